// The metrics registry and the rate windows, without a node.

import { describe, expect, it } from 'vitest';
import { BrokerMetrics } from './broker-metrics.ts';
import { nodeLabels } from './metric-names.ts';
import { TrafficMeter } from './traffic-meter.ts';

describe('TrafficMeter', () => {
  it('averages complete seconds over 10 / 60 / 600 s and keeps totals', () => {
    let now = 1_000_000;
    const m = new TrafficMeter(() => now);
    for (let s = 0; s < 20; s++) {
      m.addPut(10);
      now += 1000;
    }
    expect(m.rate('put', 10)).toBe(10);
    expect(m.rate('put', 60)).toBeCloseTo(200 / 60);
    expect(m.tps('put')).toBe(`10.00 ${(200 / 60).toFixed(2)} ${(200 / 600).toFixed(2)}`);
    expect(m.totals().now).toEqual({ put: 200, get: 0 });
    now += 700_000;
    expect(m.rate('put', 600)).toBe(0);
  });
});

describe('BrokerMetrics', () => {
  const raft = { id: 'n0', role: 'leader', term: 4, leader: 'n0', commit: 10, applied: 9, lastIndex: 12, elections: 2, progress: { n0: { match: 12 }, n1: { match: 7 } }, beacons: { sent: 30, accepted: 28, failed: 3 } };

  it('counts stored messages only on the leader and reads gauges at scrape time', async () => {
    const m = new BrokerMetrics(nodeLabels('C', 'broker-a', 'n0'));
    m.setSources({ raft: () => raft, consumers: () => [{ topic: 'T', group: 'g', lag: 5, inflight: 1 }], storageBytes: () => ({ commitlog: 123 }) });
    m.messagesStored('T', [{ size: 100 }]);
    m.setLeader(true);
    m.messagesStored('T', [{ size: 100 }, { size: 2000 }]);
    m.messagesStored('%DLQ%g', [{ size: 10 }]);
    m.messagesDelivered('T', 'g', 2, 50);
    m.rpcServed('SendMessage', true, 3);
    m.observeFsyncSeconds(0.002);
    const text = await m.scrape();
    const labels = 'cluster="C",node_type="broker",node_id="broker-a/n0",broker="broker-a",node="n0"';
    expect(text).toContain(`rocketmq_messages_in_total{topic="T",${labels}} 2`);
    expect(text).toContain(`rocketmq_throughput_in_total{topic="T",${labels}} 2100`);
    expect(text).toContain(`rocketmq_send_to_dlq_messages_total{consumer_group="g",${labels}} 1`);
    expect(text).toContain(`rocketmq_messages_out_total{topic="T",consumer_group="g",${labels}} 2`);
    expect(text).toContain(`rocketmq_message_size_bucket{le="1024",${labels},topic="T"} 1`);
    expect(text).toContain(`rocketmq_consumer_lag_messages{topic="T",consumer_group="g",${labels}} 5`);
    expect(text).toContain(`rocketmq_consumer_inflight_messages{topic="T",consumer_group="g",${labels}} 1`);
    expect(text).toContain(`rocketmq_storage_size{storage_type="commitlog",${labels}} 123`);
    expect(text).toContain(`rocketmq_rpc_latency_count{${labels},rpc="SendMessage",status="ok"} 1`);
    expect(text).toContain(`ledgermq_raft_term{${labels}} 4`);
    expect(text).toContain(`ledgermq_raft_leader{${labels}} 1`);
    expect(text).toContain(`ledgermq_raft_commit_index{${labels}} 10`);
    expect(text).toContain(`ledgermq_raft_applied_index{${labels}} 9`);
    // The process's own: CPU, memory, event-loop delay (with the node's labels).
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']) {
      expect(text).toMatch(new RegExp(`^${name}\\{[^}]*node_id="[^"]+"[^}]*\\} [0-9.e+-]+$`, 'm'));
    }
    expect(text).toContain(`ledgermq_raft_elections_total{${labels}} 2`);
    expect(text).toContain(`ledgermq_raft_follower_lag_entries{peer="n1",${labels}} 5`);
    expect(text).not.toContain('peer="n0"');
    expect(text).toContain(`ledgermq_raft_fsync_latency_seconds_count{${labels}} 1`);
    expect(text).toContain(`ledgermq_raft_leader_beacons_total{result="accepted",${labels}} 28`);
    expect(text).toContain(`ledgermq_raft_leader_beacons_total{result="ignored",${labels}} 2`);
    expect(text).toContain(`ledgermq_raft_leader_beacons_total{result="failed",${labels}} 3`);
  });
});
