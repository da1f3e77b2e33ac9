// Black-box: three real node processes on loopback.

import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalGroup } from '@ledgermq/raft-node';
import { proposeMany } from './support/proposer.ts';
import { tmpDir } from './support/tmp-dir.ts';
import { waitFor } from './support/wait.ts';

const segmentBytes = 1024 * 1024;

describe('a three-node Raft group of real processes', () => {
  let group: LocalGroup;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tmpDir('group');
    cleanup = t.cleanup;
    group = await LocalGroup.create({ dataDir: t.dir, ports: 'auto', segmentBytes });
    group.startAll();
  });

  afterAll(async () => {
    await group?.stopAll();
    cleanup?.();
  });

  it('elects a leader that every node agrees on', async () => {
    const { id, term } = await group.waitForLeader();
    const agreed = await waitFor('all nodes to know the leader', async () => {
      const st = await group.statuses();
      return st.size === 3 && [...st.values()].every((s) => s.leader === id && s.term === term);
    });
    expect(agreed).toBe(true);
  });

  it('replicates 10,000 entries to every node', async () => {
    const stats = await proposeMany(group, { count: 10_000, payloadBytes: 200, batch: 100, inflight: 8, tag: 'first' });
    expect(stats.acked).toBe(10_000);
    const target = stats.lastIndex;
    await waitFor('every node to apply the entries', async () => {
      const st = await group.statuses();
      return st.size === 3 && [...st.values()].every((s) => s.applied >= target);
    });
    const sums = await Promise.all(group.nodes.map((h) => h.admin.checksums()));
    // The digest state machine counts applied payload entries: all 10,000 on every node.
    for (const s of sums) expect(s.state.normalEntries).toBeGreaterThanOrEqual(10_000);
  });

  it('elects a new leader that commits after kill -9 of the leader; the old one catches up', async () => {
    const old = await group.waitForLeader();
    await group.kill(old.id, 'SIGKILL');
    const next = await group.waitForLeader({ excluding: old.id, minTerm: old.term + 1 });
    expect(next.id).not.toBe(old.id);
    const stats = await proposeMany(group, { count: 2_000, payloadBytes: 200, batch: 50, inflight: 4, tag: 'after-kill' });
    expect(stats.acked).toBe(2_000);

    group.start(old.id);
    const target = stats.lastIndex;
    await waitFor(`${old.id} to catch up to ${target}`, async () => {
      const s = (await group.statuses()).get(old.id);
      return s !== undefined && s.applied >= target && s.role === 'follower';
    });
  });

  it('hands leadership to a chosen node on request (rolling restarts, preferred leader)', async () => {
    const leader = await group.waitForLeader();
    const target = group.nodes.find((h) => h.id !== leader.id)!.id;
    await group.node(leader.id).admin.transferLeader(target);
    const next = await group.waitForLeader({ minTerm: leader.term + 1 });
    expect(next.id).toBe(target);
  });

  it('refuses an entry over the size limit with a clear, non-retriable error', async () => {
    const leader = await group.waitForLeader();
    const huge = Buffer.alloc(5 * 1024 * 1024);
    await expect(group.node(leader.id).admin.propose([huge])).rejects.toMatchObject({ code: 'TOO_LARGE', retriable: false });
  });

  it('a leader cut off from both followers steps down and fails its waiting proposals at once, as unknown outcomes', async () => {
    const leader = await group.waitForLeader();
    const pids = group.nodes.filter((h) => h.id !== leader.id).map((h) => h.process!.pid!);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      // Without the followers it cannot commit. Check-quorum makes it step down within two
      // election timeouts; the proposal must fail then (retriable, outcome unknown), not wait
      // out the node's 10 s proposal timeout while the client could be retrying elsewhere.
      const err = await group.node(leader.id).admin.propose([Buffer.from('cut off')]).then(() => null, (e: Error) => e);
      expect(err).toMatchObject({ code: 'LOST', retriable: true });
      expect((await group.node(leader.id).admin.status()).role).not.toBe('leader');
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await group.waitForLeader({ minTerm: leader.term + 1 });
  });

  it('leaves byte-identical logs and equal applied state on all three nodes', async () => {
    const leader = await group.waitForLeader();
    // A final entry commits everything before it everywhere once replicated.
    const { lastIndex } = await proposeMany(group, { count: 1, payloadBytes: 10, batch: 1, inflight: 1, tag: 'fence' });
    await waitFor('identical last and applied index on all nodes', async () => {
      const st = [...(await group.statuses()).values()];
      return st.length === 3 && st.every((s) => s.applied >= lastIndex && s.lastIndex === st[0]!.lastIndex);
    });
    const sums = await Promise.all(group.nodes.map((h) => h.admin.checksums()));
    expect(sums[0].segments.length).toBeGreaterThan(1); // the test crossed segment boundaries
    expect(sums[1].segments).toEqual(sums[0].segments);
    expect(sums[2].segments).toEqual(sums[0].segments);
    for (const s of sums.slice(1)) {
      expect(s.state.digest).toBe(sums[0].state.digest);
      expect(s.state.applied).toBe(sums[0].state.applied);
    }
    expect(leader.id).toBeTruthy();
  });

  it('a node whose committed segment is corrupt refuses to vote or lead; the others carry on', async () => {
    const leader = await group.waitForLeader();
    const victim = group.nodes.find((h) => h.id !== leader.id)!;
    const healthy = group.nodes.find((h) => h.id !== leader.id && h.id !== victim.id)!;
    await group.kill(victim.id, 'SIGKILL');
    flipByteInOldestSegment(path.join(victim.config.dataDir, 'raft', 'segments'));
    group.start(victim.id);

    const st = await waitFor(`${victim.id} to report itself disabled`, async () => {
      const s = (await group.statuses()).get(victim.id);
      return s?.disabled === true ? s : undefined;
    }).catch((err: Error) => {
      // Say what the node did instead (its log), rather than only that it did not answer.
      const log = readFileSync(path.join(victim.config.dataDir, 'node.log'), 'utf8').split('\n').slice(-15).join('\n');
      throw new Error(`${err.message}; running: ${group.isRunning(victim.id)}; its log ends:\n${log}`);
    });
    expect(st.ledger.corrupt).toBe(true);
    expect(st.role).not.toBe('leader');

    // The two healthy nodes still commit.
    const more = await proposeMany(group, { count: 500, payloadBytes: 100, batch: 50, inflight: 2, tag: 'with-corrupt' });
    expect(more.acked).toBe(500);

    // With the leader gone, the healthy follower cannot win: the corrupt node gives no vote.
    await group.kill(leader.id, 'SIGKILL');
    const electionTimeoutMs = healthy.config.tickMs * healthy.config.electionTicks;
    const observeUntil = Date.now() + electionTimeoutMs * 6;
    let observations = 0;
    while (Date.now() < observeUntil) {
      const s = await group.statuses();
      expect(s.has(healthy.id)).toBe(true);
      for (const [id, x] of s) expect(x.role, `${id} must not lead`).not.toBe('leader');
      observations += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(observations).toBeGreaterThan(3);
  });
});

function flipByteInOldestSegment(dir: string): void {
  const names = readdirSync(dir).filter((n) => /^\d+$/.test(n)).sort();
  const file = path.join(dir, names[0]!);
  const size = statSync(file).size;
  const at = Math.min(4096, Math.floor(size / 2));
  const fd = openSync(file, 'r+');
  const b = Buffer.alloc(1);
  readSync(fd, b, 0, 1, at);
  b[0] = b[0]! ^ 0xff;
  writeSync(fd, b, 0, 1, at);
  closeSync(fd);
}

describe('a node started on the data directory of another group', () => {
  it('refuses to start with a clear error and leaves the log untouched', async () => {
    const t = tmpDir('wrong-group');
    try {
      const a = await LocalGroup.create({ dataDir: t.dir, ports: 'auto', groupId: 'group-a', segmentBytes });
      a.startAll();
      await a.waitForLeader();
      await proposeMany(a, { count: 100, payloadBytes: 100, batch: 10, inflight: 1, tag: 'a' });
      await a.stopAll();
      const before = readdirSync(path.join(t.dir, 'n0', 'raft', 'segments')).map((n) =>
        statSync(path.join(t.dir, 'n0', 'raft', 'segments', n)).size,
      );

      const b = await LocalGroup.create({ dataDir: t.dir, ports: 'auto', groupId: 'group-b', segmentBytes });
      const child = b.start('n0');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
      const log = readFileSync(path.join(t.dir, 'n0', 'node.log'), 'utf8');
      expect(log).toMatch(/group-a/);
      expect(log).toMatch(/group-b/);
      const after = readdirSync(path.join(t.dir, 'n0', 'raft', 'segments')).map((n) =>
        statSync(path.join(t.dir, 'n0', 'raft', 'segments', n)).size,
      );
      expect(after).toEqual(before);
      await b.stopAll();
    } finally {
      t.cleanup();
    }
  });
});
