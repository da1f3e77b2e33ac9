// The chaos scripts' leader probe: asks each node's admin endpoint for its Raft status (the call
// behind `ledgermq health` and `ledgermq raftStatus`) at the address given, and prints the selfId
// of the node that says it leads with the highest term, or nothing. Polls until one answers or
// --wait-seconds pass (bounded); exit 0 with a leader, 1 without. Each node's own answer (or
// why none came) goes to stderr on the last round.
//
// Why not `ledgermq raftStatus`: it takes the admin addresses from the NameServer, where each node
// registers `adminListenHost:adminListenPort`; the compose configs bind 0.0.0.0, so the registered
// addresses (0.0.0.0:40811 …) reach nothing from another container.
//
//   node --import tsx deploy/chaos/leader.ts --admin broker-n0:40811,broker-n1:40812,broker-n2:40813 --wait-seconds 30

import { parseArgs } from 'node:util';
import { AdminClient } from '@ledgermq/raft-node';

const waitSecondsMax = 600;
const roundEveryMs = 500;
const statusDeadlineMs = 1_500;

interface View {
  readonly admin: string;
  readonly id: string;
  readonly role: string;
  readonly term: number;
  readonly error: string;
}

async function round(clients: readonly AdminClient[]): Promise<View[]> {
  return Promise.all(clients.map(async (c): Promise<View> => {
    try {
      const s = (await c.status(statusDeadlineMs)) as { id?: string; role?: string; term?: number };
      return { admin: c.address, id: s.id ?? '', role: s.role ?? '', term: s.term ?? 0, error: '' };
    } catch (err) {
      const e = err as Error & { details?: string };
      return { admin: c.address, id: '', role: '', term: 0, error: (e.details || e.message).replace(/\s+/g, ' ').trim() };
    }
  }));
}

function leaderOf(views: readonly View[]): View | null {
  let best: View | null = null;
  for (const v of views) if (v.role === 'leader' && (best === null || v.term > best.term)) best = v;
  return best;
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { admin: { type: 'string' }, 'wait-seconds': { type: 'string', default: '30' } }, strict: true });
  const admins = (values.admin ?? '').split(',').filter((a) => a !== '');
  const waitSeconds = Number(values['wait-seconds']);
  if (admins.length === 0) throw new RangeError('--admin host:port[,host:port…] is required');
  if (!(waitSeconds >= 0 && waitSeconds <= waitSecondsMax)) throw new RangeError(`--wait-seconds must be in [0, ${waitSecondsMax}], got ${values['wait-seconds']}`);
  const clients = admins.map((a) => new AdminClient(a));
  const deadline = Date.now() + waitSeconds * 1000;
  const roundsMax = Math.ceil((waitSeconds * 1000) / roundEveryMs) + 1;
  try {
    let views: View[] = [];
    for (let i = 0; i < roundsMax; i++) {
      const started = Date.now();
      views = await round(clients);
      const leader = leaderOf(views);
      if (leader !== null) {
        process.stdout.write(`${leader.id}\n`);
        return 0;
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, Math.max(0, roundEveryMs - (Date.now() - started))));
    }
    for (const v of views) process.stderr.write(`leader: ${v.admin}: ${v.error !== '' ? v.error : `${v.id} ${v.role} term ${v.term}`}\n`);
    return 1;
  } finally {
    for (const c of clients) c.close();
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`leader: ${(err as Error).message}\n`);
  process.exit(2);
});
