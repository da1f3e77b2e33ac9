// Times every v2 handler (rocketmq_rpc_latency by rpc) and counts what receives hand out
// (rocketmq_messages_out_total). The handlers are wrapped once at start; the per-call work is a
// clock read and a histogram observation.

import type { V2Handlers } from '../v2/v2-server.ts';
import type { BrokerMetrics } from './broker-metrics.ts';

const deliveringMethods = new Set(['ReceiveMessage', 'PullMessage']);

export function instrumentHandlers(handlers: V2Handlers, metrics: BrokerMetrics): V2Handlers {
  const out: V2Handlers = {};
  for (const [method, fn] of Object.entries(handlers)) {
    const delivers = deliveringMethods.has(method);
    out[method] = async (request, ctx) => {
      const started = performance.now();
      let ok = false;
      try {
        const res = await fn(request, ctx);
        ok = true;
        if (delivers) countDelivered(metrics, request, res);
        return res;
      } finally {
        metrics.rpcServed(method, ok, performance.now() - started);
      }
    };
  }
  return out;
}

function countDelivered(metrics: BrokerMetrics, request: any, res: unknown): void {
  if (!Array.isArray(res)) return;
  let count = 0;
  let bytes = 0;
  for (const r of res) {
    const m = (r as { message?: { body?: Uint8Array } }).message;
    if (m === undefined) continue;
    count += 1;
    bytes += m.body?.length ?? 0;
  }
  const topic = String(request?.message_queue?.topic?.name ?? '');
  const group = String(request?.group?.name ?? '');
  metrics.messagesDelivered(topic, group, count, bytes);
}
