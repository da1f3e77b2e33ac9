// What a fault expects of one node, read from its admin Status: polled with a bounded
// deadline (never a sleep standing in for it). Each returns the violation it saw, or null.

import type { NodeStatus } from '@ledgermq/broker/local';
import { brokerName, type JepsenCluster } from './cluster.ts';
import { groupWaitTimeoutMs, nodeCheckPollMs, nodeCheckTimeoutMs } from './constants.ts';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function statusOf(c: JepsenCluster, selfId: string): Promise<NodeStatus | undefined> {
  return (await c.statuses().catch(() => new Map<string, NodeStatus>())).get(`${brokerName}/${selfId}`);
}

/** Polls until `pred` holds for the node's status; the violation text (with the last status) after the deadline. */
export async function waitForNode(c: JepsenCluster, selfId: string, what: string, pred: (s: NodeStatus) => boolean, timeoutMs = nodeCheckTimeoutMs): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last: NodeStatus | undefined;
  // Bounded by the deadline.
  while (Date.now() < deadline) {
    last = await statusOf(c, selfId);
    if (last !== undefined && pred(last)) return null;
    await sleep(nodeCheckPollMs);
  }
  const seen = last === undefined ? 'no answer' : `role ${last.role}, term ${last.term}, disabled ${last.disabled}, applied ${last.applied}, commit ${last.commit}`;
  return `${selfId}: not ${what} within ${timeoutMs} ms (last status: ${seen})`;
}

/** Polls the group's statuses until `pred` holds (returns them) or `timeoutMs` passes (null). */
export async function waitForGroup(c: JepsenCluster, pred: (st: Map<string, NodeStatus>) => boolean, timeoutMs = groupWaitTimeoutMs): Promise<Map<string, NodeStatus> | null> {
  const deadline = Date.now() + timeoutMs;
  // Bounded by the deadline.
  while (Date.now() < deadline) {
    const st = await c.statuses().catch(() => new Map<string, NodeStatus>());
    if (pred(st)) return st;
    await sleep(nodeCheckPollMs);
  }
  return null;
}

/** The highest commit index any running node reports (the group's progress right now). */
export async function groupCommit(c: JepsenCluster): Promise<number> {
  const st = await c.statuses().catch(() => new Map<string, NodeStatus>());
  return Math.max(0, ...[...st.values()].map((s) => Number(s.commit)));
}

/** `selfId` is enabled again and has applied everything the group had committed when asked. */
export async function waitCaughtUp(c: JepsenCluster, selfId: string, timeoutMs = nodeCheckTimeoutMs): Promise<string | null> {
  const target = await groupCommit(c);
  return waitForNode(c, selfId, `caught up (enabled, applied >= ${target})`, (s) => s.disabled !== true && Number(s.applied) >= target, timeoutMs);
}

/**
 * Samples the node's role until stop() and reports every time it was seen leading (a disabled
 * node must never lead). Bounded by a sample cap.
 */
export function watchNeverLeads(c: JepsenCluster, selfId: string): { stop(): Promise<string[]> } {
  let running = true;
  const seen: string[] = [];
  const samplesMax = 10_000;
  const loop = (async () => {
    for (let i = 0; i < samplesMax && running; i++) {
      const s = await statusOf(c, selfId);
      if (s !== undefined && s.role === 'leader') seen.push(`${selfId} led (term ${s.term}) while its log was damaged`);
      await sleep(nodeCheckPollMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return seen.slice(0, 5);
    },
  };
}
