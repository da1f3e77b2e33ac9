// `ledgermq health --admin host:port | --namesrv host:port`: the probe of the Docker HEALTHCHECK
// and the Kubernetes readiness probe. Exit 0: a broker node's admin Status answered and the node
// is not disabled (a node whose log failed its checksums refuses to vote or lead), or the
// NameServer answered. Exit 1 otherwise, with one line saying why.

import { parseArgs } from 'node:util';
import { NamesrvClient } from '@ledgermq/namesrv';
import { AdminClient } from '@ledgermq/raft-node';
import { hostPort, positiveInt, UsageError, usageErrorOf } from './usage-error.ts';

export const healthTimeoutMsDefault = 3_000;
const healthTimeoutMsMax = 60_000;

export type HealthTarget = { readonly kind: 'admin'; readonly address: string } | { readonly kind: 'namesrv'; readonly address: string };

export interface HealthOptions {
  readonly target: HealthTarget;
  readonly timeoutMs: number;
}

export function parseHealthArgs(argv: readonly string[]): HealthOptions {
  let values: { admin?: string; namesrv?: string; 'timeout-ms'?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { admin: { type: 'string' }, namesrv: { type: 'string' }, 'timeout-ms': { type: 'string' } },
    }));
  } catch (err) {
    throw usageErrorOf(err);
  }
  if ((values.admin === undefined) === (values.namesrv === undefined)) throw new UsageError('health needs exactly one of --admin host:port or --namesrv host:port');
  const timeoutMs = values['timeout-ms'] === undefined ? healthTimeoutMsDefault : positiveInt('--timeout-ms', values['timeout-ms'], healthTimeoutMsMax);
  const target: HealthTarget =
    values.admin !== undefined ? { kind: 'admin', address: hostPort('--admin', values.admin) } : { kind: 'namesrv', address: hostPort('--namesrv', values.namesrv!) };
  return { target, timeoutMs };
}

export interface HealthResult {
  readonly healthy: boolean;
  readonly line: string;
}

export async function checkHealth(opts: HealthOptions): Promise<HealthResult> {
  const { target, timeoutMs } = opts;
  if (target.kind === 'namesrv') {
    const client = new NamesrvClient(target.address, { timeoutMs });
    try {
      const clusters = await client.clusterInfo();
      const groups = clusters.reduce((n, c) => n + c.groups.length, 0);
      return { healthy: true, line: `ok namesrv ${target.address}: ${groups} broker group(s) registered` };
    } catch (err) {
      return { healthy: false, line: `unhealthy: namesrv ${target.address}: ${(err as Error).message}` };
    } finally {
      client.close();
    }
  }
  const client = new AdminClient(target.address);
  try {
    const s = (await client.status(timeoutMs)) as { id?: string; role?: string; term?: number; leader?: string | null; commit?: number; disabled?: boolean };
    const what = `node ${s.id ?? '?'} ${s.role ?? '?'} term ${s.term ?? '?'} leader ${s.leader ?? '-'} commit ${s.commit ?? '?'}`;
    if (s.disabled === true) return { healthy: false, line: `unhealthy: ${what}: disabled (its log failed its checksums; see its node.log)` };
    return { healthy: true, line: `ok ${what}` };
  } catch (err) {
    const e = err as Error & { details?: string };
    return { healthy: false, line: `unhealthy: admin ${target.address}: ${(e.details || e.message).replace(/\s+/g, ' ').trim()}` };
  } finally {
    client.close();
  }
}

export async function healthCommand(argv: readonly string[]): Promise<number> {
  const result = await checkHealth(parseHealthArgs(argv));
  (result.healthy ? process.stdout : process.stderr).write(`${result.line}\n`);
  return result.healthy ? 0 : 1;
}
