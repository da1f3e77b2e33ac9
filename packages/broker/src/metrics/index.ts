// Prometheus metrics of one broker node.

export { BrokerMetrics, type MetricsSources, type RaftView, type ConsumerGauge } from './broker-metrics.ts';
export { MetricsServer } from './metrics-server.ts';
export { instrumentHandlers } from './v2-instrument.ts';
export { TrafficMeter, rateWindowsSeconds } from './traffic-meter.ts';
export { TopicStats, statsTpsWindowSeconds, type TopicInStats, type GroupOutStats } from './topic-stats.ts';
export { SlidingCounter } from './sliding-counter.ts';
export { metricNames, nodeLabels, type NodeLabels } from './metric-names.ts';
