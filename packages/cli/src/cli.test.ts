// The command line: flag parsing (pure), and the `ledgermq` process itself for its exit codes
// and its one-line errors; `health` against a real node process.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LocalGroup } from '@ledgermq/raft-node';
import { checkHealth, parseHealthArgs } from './health-command.ts';
import { groupLine, parseStartArgs } from './start-command.ts';
import { UsageError } from './usage-error.ts';

const mainPath = fileURLToPath(new URL('./main.ts', import.meta.url));
const repoRoot = path.resolve(path.dirname(mainPath), '../../..');

function run(args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', mainPath, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ledgermq ${args.join(' ')} did not exit within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('parseStartArgs', () => {
  it('defaults to one three-node broker group with data under ./data', () => {
    expect(parseStartArgs([])).toEqual({ nodes: 3, groups: 1, dataDir: './data', segmentBytes: undefined, raftOnly: false });
  });

  it('reads --groups, --nodes 5, --data, --segment-bytes and --raft-only', () => {
    expect(parseStartArgs(['--groups', '2', '--nodes', '5', '--data', '/tmp/x', '--segment-bytes', '65536'])).toEqual({
      nodes: 5, groups: 2, dataDir: '/tmp/x', segmentBytes: 65_536, raftOnly: false,
    });
    expect(parseStartArgs(['--raft-only', '--nodes', '1'])).toMatchObject({ raftOnly: true, nodes: 1 });
  });

  it('refuses bad flags with a UsageError that says what is wrong', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--nodes', '4'], /--nodes must be 3 or 5/],
      [['--nodes', 'three'], /--nodes must be a whole number/],
      [['--groups', '0'], /--groups must be a whole number in 1\.\.10/],
      [['--groups', '11'], /--groups/],
      [['--segment-bytes', '100'], /at least 4096/],
      [['--raft-only', '--groups', '2'], /--groups does not go with --raft-only/],
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /Unexpected argument 'extra'/],
      [['--data', ''], /--data must not be empty/],
    ];
    for (const [args, message] of cases) {
      expect(() => parseStartArgs(args), args.join(' ')).toThrow(UsageError);
      expect(() => parseStartArgs(args), args.join(' ')).toThrow(message);
    }
  });
});

describe('groupLine', () => {
  it('summarises leader, term, commit and every role', () => {
    const st = (role: string, term = 2, commit = 17, disabled = false) => ({ id: '', role, term, leader: null, commit, applied: commit, readIndex: null, disabled });
    expect(groupLine([{ selfId: 'n0', status: st('leader') }, { selfId: 'n1', status: st('follower') }, { selfId: 'n2', status: undefined }])).toBe(
      'leader n0 term 2 commit 17 | n0:leader n1:follower n2:down',
    );
    expect(groupLine([{ selfId: 'n0', status: st('follower', 1, 0, true) }])).toBe('no leader | n0:follower(disabled)');
  });
});

describe('parseHealthArgs', () => {
  it('takes exactly one target', () => {
    expect(parseHealthArgs(['--admin', '127.0.0.1:40811'])).toEqual({ target: { kind: 'admin', address: '127.0.0.1:40811' }, timeoutMs: 3_000 });
    expect(parseHealthArgs(['--namesrv', 'namesrv:9876', '--timeout-ms', '500'])).toEqual({ target: { kind: 'namesrv', address: 'namesrv:9876' }, timeoutMs: 500 });
    expect(() => parseHealthArgs([])).toThrow(/exactly one/);
    expect(() => parseHealthArgs(['--admin', 'a:1', '--namesrv', 'b:2'])).toThrow(/exactly one/);
    expect(() => parseHealthArgs(['--admin', 'nohost'])).toThrow(/host:port/);
    expect(() => parseHealthArgs(['--admin', 'h:70000'])).toThrow(/host:port/);
  });
});

describe('the ledgermq process', () => {
  it('answers a bad flag with one line on stderr and exit code 2', async () => {
    const cases = [['start', '--nodes', '4'], ['start', '--wat'], ['frobnicate'], ['health'], ['broker'], ['namesrv', '--port', 'x']];
    const results = await Promise.all(cases.map((args) => run(args)));
    for (const [i, args] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^ledgermq: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('prints the usage on help with exit code 0', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    for (const c of ['start', 'namesrv', 'broker', 'health', '--raft-only', '--groups']) expect(r.stdout).toContain(c);
  });

  it('health: exit 1 with a reason when nothing answers', async () => {
    const [r, n] = await Promise.all([
      run(['health', '--admin', '127.0.0.1:1', '--timeout-ms', '1000']),
      run(['health', '--namesrv', '127.0.0.1:1', '--timeout-ms', '1000']),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^unhealthy: admin 127\.0\.0\.1:1: /);
    expect(n.code).toBe(1);
    expect(n.stderr).toMatch(/^unhealthy: namesrv /);
  });

  it('health: exit 0 against a running node; unhealthy once it is gone', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledgermq-cli-health-'));
    const group = await LocalGroup.create({ dataDir: dir, nodes: 3, ports: 'auto', segmentBytes: 65_536 });
    try {
      group.startAll();
      await group.waitForLeader({ timeoutMs: 30_000 });
      const address = `127.0.0.1:${group.nodes[0]!.config.adminPort}`;
      const r = await run(['health', '--admin', address]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^ok node n0 (leader|follower) term \d+/);
      await group.kill('n0');
      const down = await checkHealth({ target: { kind: 'admin', address }, timeoutMs: 1_000 });
      expect(down.healthy).toBe(false);
    } finally {
      await group.stopAll();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
