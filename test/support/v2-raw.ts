// A raw v2 gRPC client for what the official client cannot be made to do on purpose: resend
// a message id, present a forged receipt handle, send an oversized body.

import * as grpc from '@grpc/grpc-js';
import { messagingServiceClient, type v2 } from '@ledgermq/protocol';

export class RawV2 {
  private readonly client: grpc.Client & Record<string, (...a: unknown[]) => unknown>;

  constructor(endpoint: string) {
    const Ctor = messagingServiceClient();
    this.client = new Ctor(endpoint, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': 16 * 1024 * 1024,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    }) as never;
  }

  call<Res>(method: string, req: unknown, timeoutMs = 10_000): Promise<Res> {
    const md = new grpc.Metadata();
    md.set('x-mq-client-id', 'raw-test-client');
    md.set('x-mq-protocol', 'v2');
    return new Promise((resolve, reject) => {
      (this.client[method] as (r: unknown, m: grpc.Metadata, o: object, cb: (e: Error | null, r: Res) => void) => void)(req, md, { deadline: Date.now() + timeoutMs }, (e, r) => (e ? reject(e) : resolve(r)));
    });
  }

  send(topic: string, messageId: string, body: Buffer, extra: Partial<v2.SystemProperties> = {}): Promise<v2.SendMessageResponse> {
    return this.call('SendMessage', {
      messages: [{
        topic: { name: topic, resource_namespace: '' },
        user_properties: {},
        system_properties: { message_id: messageId, body_encoding: 1, message_type: 1, born_host: 'raw', born_timestamp: { seconds: Math.floor(Date.now() / 1000), nanos: 0 }, keys: [], queue_id: 0, ...extra },
        body,
      }],
    });
  }

  close(): void {
    this.client.close();
  }
}
