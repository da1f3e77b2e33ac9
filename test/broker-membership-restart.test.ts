// Black-box: a membership change survives a restart. A follower is removed through the leader's
// admin endpoint (routes stop naming it, though it keeps running), then the leader is killed and
// started again: every node, the restarted one
// included, must still count the two remaining members as the group (a node that forgot them
// would rebuild its voters from nothing, as the store's first applied ConfChange once did).

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerAdminClient } from '@ledgermq/broker/admin';
import { brokerMainPath, LocalCluster } from '@ledgermq/broker/local';
import { NamesrvClient } from '@ledgermq/namesrv';
import { tmpDir } from './support/tmp-dir.ts';
import { waitFor } from './support/wait.ts';

const group = 'broker-a';

describe.skipIf(!existsSync(brokerMainPath))('membership across a restart', () => {
  let cluster: LocalCluster;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tmpDir('broker-membership');
    cleanup = t.cleanup;
    cluster = await LocalCluster.create({ dataDir: t.dir, ports: 'auto', segmentBytes: 64 * 1024, tickMs: 20, electionTicks: 10 });
    cluster.startAll();
  });

  afterAll(async () => {
    await cluster?.close();
    cleanup?.();
  });

  it('a node restarted after a follower was removed still has the two remaining voters', async () => {
    const leader = await cluster.waitForLeader(group, { timeoutMs: 30_000 });
    // A topic for the route check below (registered with the next registration: the removal's).
    const admin = new BrokerAdminClient(`${leader.node.plan.host}:${leader.node.plan.adminPort}`);
    try {
      await admin.updateTopic({ topic: 'MemberTopic', readQueueNums: 1, writeQueueNums: 1 });
    } finally {
      admin.close();
    }
    const removed = cluster.group(group).find((h) => h.id !== leader.id)!;
    const removedSelfId = removed.id.split('/').pop()!;
    await waitFor('the removal to commit', async () => {
      try {
        await leader.node.admin.changeMembership('remove', removedSelfId, '', 10_000);
        return true;
      } catch {
        return false; // busy until the leader's no-op commits: ask again
      }
    }, 30_000, 200);
    const remaining = cluster.group(group).filter((h) => h.id !== removed.id);
    const expected = remaining.map((h) => h.id.split('/').pop()!).sort();
    for (const h of remaining) await waitFor(`${h.id} to apply the removal`, async () => sameVoters((await h.admin.status(2_000)).conf?.voters, expected), 20_000, 100);
    // The removed node keeps running and registering: routes leave it out (the leader's voterIds).
    const namesrv = new NamesrvClient(cluster.namesrvAddr());
    try {
      await waitFor('routes to leave the removed node out', async () => {
        try {
          return (await namesrv.queryRoute('MemberTopic')).groups.flatMap((g) => g.nodes.map((n) => n.nodeId)).sort().join(',') === expected.join(',');
        } catch {
          return false; // the topic is not registered yet
        }
      }, 20_000, 100);
    } finally {
      namesrv.close();
    }

    await cluster.kill(leader.id, 'SIGKILL');
    cluster.start(leader.id);
    await waitFor(`${leader.id} to answer again`, async () => {
      try {
        return (await leader.node.admin.status(1_000)).role !== undefined;
      } catch {
        return false;
      }
    }, 30_000, 100);
    // The restarted node may first report the voters as of the commit index it recovered (its
    // commit hint can lag the removal); once it hears the group's commit it must report the two.
    // A node that forgot the removal, or rebuilt its voters from nothing, never gets there.
    for (const h of remaining) {
      await waitFor(`${h.id} to report the two voters after the restart`, async () => sameVoters((await h.admin.status(2_000)).conf?.voters, expected), 20_000, 100);
    }
    // And the two of them still make a group that elects a leader.
    const next = await cluster.waitForLeader(group, { timeoutMs: 30_000, excluding: removed.id });
    expect(expected).toContain(next.id.split('/').pop());
  });
});

function sameVoters(voters: unknown, expected: readonly string[]): boolean {
  return Array.isArray(voters) && [...voters].sort().join(',') === expected.join(',');
}
