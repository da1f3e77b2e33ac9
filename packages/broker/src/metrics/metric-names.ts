// Metric names and label names: RocketMQ 5's exporter names, and LedgerMQ's Raft gauges
// (deploy/prometheus/alerts.yml queries these; change both together).

export const metricNames = {
  messagesIn: 'rocketmq_messages_in_total',
  messagesOut: 'rocketmq_messages_out_total',
  throughputIn: 'rocketmq_throughput_in_total',
  throughputOut: 'rocketmq_throughput_out_total',
  messageSize: 'rocketmq_message_size',
  consumerLag: 'rocketmq_consumer_lag_messages',
  consumerInflight: 'rocketmq_consumer_inflight_messages',
  sendToDlq: 'rocketmq_send_to_dlq_messages_total',
  rpcLatency: 'rocketmq_rpc_latency',
  storageSize: 'rocketmq_storage_size',
  raftTerm: 'ledgermq_raft_term',
  raftLeader: 'ledgermq_raft_leader',
  raftCommitIndex: 'ledgermq_raft_commit_index',
  raftAppliedIndex: 'ledgermq_raft_applied_index',
  raftLastIndex: 'ledgermq_raft_last_index',
  raftElections: 'ledgermq_raft_elections_total',
  raftFsyncLatency: 'ledgermq_raft_fsync_latency_seconds',
  raftFollowerLag: 'ledgermq_raft_follower_lag_entries',
  raftLeaderBeacons: 'ledgermq_raft_leader_beacons_total',
} as const;

/** Message sizes, bytes (RocketMQ 5's buckets: 1 KiB … 4 MiB). */
export const messageSizeBucketsBytes = [1024, 4096, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024];
/** RPC latency, milliseconds (RocketMQ 5 reports rocketmq_rpc_latency in ms); long polls reach 20 s. */
export const rpcLatencyBucketsMs = [1, 3, 5, 10, 25, 50, 100, 250, 500, 1000, 3000, 10_000, 30_000];
/**
 * Sampling resolution of the event-loop delay histogram (nodejs_eventloop_lag_*). Each sample is
 * a timer that wakes the process: prom-client's 10 ms was 100 of an idle node's ~200 wake-ups a
 * second. A stall still shows whole in the max; shorter delays are sampled 20 times a second.
 */
export const eventLoopMonitoringPrecisionMs = 50;
/** fsync latency, seconds. */
export const fsyncLatencyBucketsSeconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Labels on every series of one node. `broker` and `node` are what the alert rules group by. */
export interface NodeLabels {
  readonly cluster: string;
  readonly node_type: 'broker';
  /** `broker-a/n0` */
  readonly node_id: string;
  /** brokerName (the Raft group). */
  readonly broker: string;
  /** dLegerSelfId */
  readonly node: string;
}

export function nodeLabels(cluster: string, brokerName: string, selfId: string): NodeLabels {
  return { cluster, node_type: 'broker', node_id: `${brokerName}/${selfId}`, broker: brokerName, node: selfId };
}
