// Client of a node's admin endpoint (tests, benchmarks, the CLI).

import * as grpc from '@grpc/grpc-js';
import { adminService, grpcMessageBytesMax, type ProposeRequest, type ProposeResponse } from './admin-proto.ts';

export class AdminCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retriable: boolean,
    readonly leader: string,
  ) {
    super(message);
    this.name = 'AdminCallError';
  }
}

export interface ProposeResult {
  readonly indexes: number[];
  readonly term: number;
}

export class AdminClient {
  private readonly client: grpc.Client & Record<string, any>;
  private stream: grpc.ClientDuplexStream<ProposeRequest, ProposeResponse> | null = null;
  private nextId = 1;
  private readonly pending = new Map<string, { resolve: (r: ProposeResult) => void; reject: (e: Error) => void }>();

  constructor(readonly address: string) {
    const Ctor = adminService();
    this.client = new Ctor(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': grpcMessageBytesMax,
      'grpc.max_send_message_length': grpcMessageBytesMax,
    }) as grpc.Client & Record<string, any>;
  }

  status(deadlineMs = 2_000): Promise<any> {
    return this.unaryJson('status', {}, deadlineMs);
  }

  checksums(deadlineMs = 10_000): Promise<any> {
    return this.unaryJson('checksums', {}, deadlineMs);
  }

  /** The state machine's digest (flushed first), to compare replicas; see StateMachine.digest. */
  stateDigest(deadlineMs = 10_000): Promise<any> {
    return this.unaryJson('stateDigest', {}, deadlineMs);
  }

  transferLeader(to: string, deadlineMs = 2_000): Promise<any> {
    return this.unaryJson('transferLeader', { to }, deadlineMs);
  }

  changeMembership(action: 'add' | 'remove', node: string, address = '', deadlineMs = 15_000): Promise<any> {
    return this.unaryJson('changeMembership', { action, node, address }, deadlineMs);
  }

  /** Proposes a batch over the shared pipelined stream; resolves when committed and applied. */
  propose(payloads: Buffer[]): Promise<ProposeResult> {
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proposeStream().write({ id, payloads });
    });
  }

  close(): void {
    this.failPending(new Error('client closed'));
    this.stream?.end();
    this.stream = null;
    this.client.close();
  }

  private proposeStream(): grpc.ClientDuplexStream<ProposeRequest, ProposeResponse> {
    if (this.stream) return this.stream;
    const s = this.client.propose() as grpc.ClientDuplexStream<ProposeRequest, ProposeResponse>;
    s.on('data', (r: ProposeResponse) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.errorCode) p.reject(new AdminCallError(r.errorCode, r.error, r.retriable, r.leader));
      else p.resolve({ indexes: r.indexes.map(Number), term: Number(r.term) });
    });
    const onGone = (err?: Error) => {
      if (this.stream === s) this.stream = null;
      this.failPending(new AdminCallError('UNAVAILABLE', err?.message ?? 'propose stream ended', true, ''));
    };
    s.on('error', onGone);
    s.on('end', () => onGone());
    this.stream = s;
    return s;
  }

  private failPending(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private unaryJson(method: string, req: object, deadlineMs: number): Promise<any> {
    return new Promise((resolve, reject) => {
      this.client[method](req, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, res: { json: string }) => {
        if (err) reject(err);
        else resolve(JSON.parse(res.json));
      });
    });
  }
}
