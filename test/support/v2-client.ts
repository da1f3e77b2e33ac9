// The official RocketMQ 5 Node.js client, set up for tests: quiet logs (kept for failure
// messages), one endpoint per client (multi-address endpoints do not work in this client),
// and bounded waits.

import { ConsumeResult, Producer, PushConsumer, SimpleConsumer } from 'rocketmq-client-nodejs';

export { ConsumeResult };

export interface ClientLog {
  readonly lines: string[];
  readonly logger: Record<string, (...args: unknown[]) => void>;
}

export function clientLog(): ClientLog {
  const lines: string[] = [];
  const keep = (level: string) => (...args: unknown[]) => {
    if (lines.length < 2_000) lines.push(`${level} ${args.map(String).join(' ')}`);
  };
  return { lines, logger: { trace() {}, debug() {}, info() {}, warn: keep('WARN'), error: keep('ERROR') } };
}

export async function producer(endpoint: string, topics: string[], log: ClientLog, checker?: { check(m: unknown): Promise<number> }, namespace = ''): Promise<Producer> {
  const p = new Producer({ endpoints: endpoint, namespace, topics, logger: log.logger, checker } as never);
  await within(p.startup(), 20_000, 'producer startup', log);
  return p;
}

export async function simpleConsumer(endpoint: string, group: string, subscriptions: Record<string, string>, log: ClientLog, namespace = ''): Promise<SimpleConsumer> {
  const c = new SimpleConsumer({ endpoints: endpoint, namespace, consumerGroup: group, subscriptions: new Map(Object.entries(subscriptions)), logger: log.logger, awaitDuration: 2_000 } as never);
  await within(c.startup(), 20_000, 'consumer startup', log);
  return c;
}

export async function pushConsumer(endpoint: string, group: string, subscriptions: Record<string, string>, log: ClientLog, consume: (m: { body: Buffer; messageId: string; deliveryAttempt?: number }) => Promise<ConsumeResult>): Promise<PushConsumer> {
  const c = new PushConsumer({ endpoints: endpoint, namespace: '', consumerGroup: group, subscriptions: new Map(Object.entries(subscriptions)), logger: log.logger, messageListener: { consume } } as never);
  await within(c.startup(), 20_000, 'push consumer startup', log);
  return c;
}

/** Receives and acks until `done` says so or the deadline passes; returns what arrived, in order. */
export async function receiveUntil<T>(c: SimpleConsumer, done: (got: T[]) => boolean, map: (m: any) => T, timeoutMs: number, invisibleMs = 10_000): Promise<T[]> {
  const got: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(got) && Date.now() < deadline) {
    const msgs = await c.receive(32, invisibleMs);
    for (const m of msgs) {
      got.push(map(m));
      await c.ack(m);
    }
  }
  return got;
}

export async function within<T>(p: Promise<T>, ms: number, what: string, log?: ClientLog): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms\n${log?.lines.slice(-20).join('\n') ?? ''}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
