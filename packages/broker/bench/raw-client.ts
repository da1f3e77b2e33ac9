// The bench's own v2 client (no official client in the way): SendMessage, ReceiveMessage and
// AckMessage over grpc-js with the protocol loaded from the installed package.

import * as grpc from '@grpc/grpc-js';
import { messagingServiceClient } from '@ledgermq/protocol';

/**
 * Our raw v2 client. Its HTTP/2 receive window is 16 MiB (grpc-js's option), not Node's 64 KiB
 * per connection: eight receives of 32 messages in flight (336 KB) then arrive without waiting
 * for this process's window updates (a drain of 60,000: 8.6-9.1k -> 9.8-9.9k msg/s).
 */
export function rawClient(endpoint: string, ownConnection = false): grpc.Client & Record<string, (...a: unknown[]) => unknown> {
  const Ctor = messagingServiceClient();
  const options = { 'grpc.max_send_message_length': 64 * 1024 * 1024, 'grpc-node.flow_control_window': 16 * 1024 * 1024 };
  // grpc-js shares one connection among clients of the same target unless told otherwise.
  return new Ctor(endpoint, grpc.credentials.createInsecure(), ownConnection ? { ...options, 'grpc.use_local_subchannel_pool': 1 } : options) as never;
}

let seq = 0;
export function rawMessages(topic: string, body: Buffer, n: number): unknown[] {
  return Array.from({ length: n }, () => ({
    topic: { name: topic, resource_namespace: '' }, user_properties: {}, body,
    system_properties: { message_id: `BENCH${process.pid}-${seq++}`, body_encoding: 1, message_type: 1, born_host: 'bench', keys: [], queue_id: 0 },
  }));
}

type V2Status = { readonly code: number; readonly message: string };

/** One SendMessage request: each message's status, in order (a request-level refusal for all). */
export function rawSendStatuses(c: ReturnType<typeof rawClient>, messages: unknown[]): Promise<V2Status[]> {
  return new Promise((resolve, reject) => {
    (c.SendMessage as (r: unknown, o: object, cb: (e: Error | null, r: { status: V2Status; entries: { status: V2Status }[] }) => void) => void)({ messages }, { deadline: Date.now() + 30_000 }, (e, r) => {
      if (e) return reject(e);
      resolve(r.entries.length > 0 ? r.entries.map((x) => x.status) : messages.map(() => r.status));
    });
  });
}

/** Messages of one request that were stored. */
export async function rawSend(c: ReturnType<typeof rawClient>, messages: unknown[]): Promise<number> {
  return (await rawSendStatuses(c, messages)).filter((st) => st.code === 20000).length;
}

/** A send the broker answered with a status other than OK (code: the v2 status code). */
export class SendRefusedError extends Error {
  constructor(readonly code: number, message: string) {
    super(`send refused: ${code} ${message}`);
    this.name = 'SendRefusedError';
  }
}

/** One message in one request; rejects with SendRefusedError unless it was stored. */
export async function rawSendOne(c: ReturnType<typeof rawClient>, message: unknown): Promise<void> {
  const [status] = await rawSendStatuses(c, [message]);
  if (status!.code !== 20000) throw new SendRefusedError(status!.code, status!.message);
}

interface RawReceived { readonly message?: { readonly system_properties?: { readonly message_id?: string; readonly receipt_handle?: string } } }

/** One ReceiveMessage call (a server stream): the messages it delivered. */
export function rawReceive(c: ReturnType<typeof rawClient>, groupName: string, topic: string, batch: number): Promise<{ id: string; handle: string }[]> {
  return new Promise((resolve, reject) => {
    const req = {
      group: { name: groupName, resource_namespace: '' }, message_queue: { topic: { name: topic, resource_namespace: '' }, id: 0 },
      filter_expression: { type: 1, expression: '*' }, batch_size: batch, invisible_duration: { seconds: 60, nanos: 0 },
      auto_renew: false, long_polling_timeout: { seconds: 2, nanos: 0 },
    };
    const got: { id: string; handle: string }[] = [];
    const stream = (c.ReceiveMessage as (r: unknown, o: object) => NodeJS.EventEmitter)(req, { deadline: Date.now() + 30_000 });
    stream.on('data', (r: RawReceived) => {
      const sp = r.message?.system_properties;
      if (sp?.message_id !== undefined && sp.receipt_handle !== undefined) got.push({ id: sp.message_id, handle: sp.receipt_handle });
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(got));
  });
}

export function rawAck(c: ReturnType<typeof rawClient>, groupName: string, topic: string, got: { id: string; handle: string }[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = { group: { name: groupName, resource_namespace: '' }, topic: { name: topic, resource_namespace: '' }, entries: got.map((g) => ({ message_id: g.id, receipt_handle: g.handle })) };
    (c.AckMessage as (r: unknown, o: object, cb: (e: Error | null, r: { status: { code: number; message: string } }) => void) => void)(req, { deadline: Date.now() + 30_000 }, (e, r) => {
      if (e) return reject(e);
      if (r.status.code !== 20000) return reject(new Error(`ack refused: ${r.status.code} ${r.status.message}`));
      resolve();
    });
  });
}
