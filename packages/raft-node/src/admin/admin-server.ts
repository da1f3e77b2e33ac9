// The node's admin endpoint: proposals, status, leadership transfer, membership, checksums.

import * as grpc from '@grpc/grpc-js';
import { ConfChangeType } from '@ledgermq/raft';
import type { Logger } from 'pino';
import { proposeBatchMax } from '../constants.ts';
import type { RaftNode } from '../raft-node.ts';
import { adminService, grpcMessageBytesMax, type ProposeRequest, type ProposeResponse } from './admin-proto.ts';

type Unary = (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => void;

export class AdminServer {
  private readonly server = new grpc.Server({
    'grpc.max_receive_message_length': grpcMessageBytesMax,
    'grpc.max_send_message_length': grpcMessageBytesMax,
  });

  /**
   * `checkPayload` vets raw proposals: a state machine that decodes entries (the broker's store)
   * must never see bytes it cannot apply. It returns a reason to refuse, or null.
   */
  constructor(
    private readonly node: RaftNode,
    private readonly log: Logger,
    private readonly checkPayload: (payload: Uint8Array) => string | null = () => null,
  ) {
    this.server.addService(adminService().service, {
      propose: (call: grpc.ServerDuplexStream<ProposeRequest, ProposeResponse>) => this.propose(call),
      status: this.json(() => this.node.status()),
      checksums: this.json(() => this.node.checksums()),
      stateDigest: ((_call, cb) => {
        const digest = this.node.stateDigest();
        if (digest === null) {
          cb({ code: grpc.status.FAILED_PRECONDITION, details: 'this state machine has no digest' });
          return;
        }
        digest.then(
          (d) => cb(null, { json: JSON.stringify(d) }),
          (err: Error) => cb({ code: grpc.status.FAILED_PRECONDITION, details: `${err.name}: ${err.message}` }),
        );
      }) satisfies Unary,
      transferLeader: this.json((req: { to: string }) => {
        this.node.transferLeader(req.to);
        return { ok: true };
      }),
      changeMembership: ((call, cb) => {
        const req = call.request as { action: string; node: string; address: string };
        if (req.action !== 'add' && req.action !== 'remove') {
          cb({ code: grpc.status.INVALID_ARGUMENT, details: `action must be add or remove, got "${req.action}"` });
          return;
        }
        const type = req.action === 'add' ? ConfChangeType.AddNode : ConfChangeType.RemoveNode;
        this.node.changeMembership({ type, node: req.node }, req.address || undefined).then(
          (c) => cb(null, { json: JSON.stringify(c) }),
          (err: Error) => cb({ code: grpc.status.FAILED_PRECONDITION, details: `${err.name}: ${err.message}` }),
        );
      }) satisfies Unary,
    });
  }

  /**
   * Serves another service on this endpoint (the broker's admin service beside RaftAdmin).
   * Call before listen().
   */
  addService(definition: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation): void {
    this.server.addService(definition, implementation);
  }

  async listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }

  private json<T>(fn: (req: T) => unknown): Unary {
    return (call, cb) => {
      try {
        cb(null, { json: JSON.stringify(fn(call.request as T)) });
      } catch (err) {
        const e = err as Error;
        cb({ code: grpc.status.FAILED_PRECONDITION, details: `${e.name}: ${e.message}` });
      }
    };
  }

  private propose(call: grpc.ServerDuplexStream<ProposeRequest, ProposeResponse>): void {
    call.on('data', (req: ProposeRequest) => {
      if (req.payloads.length === 0 || req.payloads.length > proposeBatchMax) {
        call.write(failure(req.id, 'BAD_REQUEST', `a request carries 1..${proposeBatchMax} payloads`, false, ''));
        return;
      }
      for (const p of req.payloads) {
        const refused = this.checkPayload(p);
        if (refused !== null) {
          call.write(failure(req.id, 'BAD_REQUEST', refused, false, ''));
          return;
        }
      }
      Promise.all(req.payloads.map((p) => this.node.propose(p))).then(
        (done) => {
          call.write({
            id: req.id,
            indexes: done.map((c) => String(c.index)),
            term: String(done[0]!.term),
            errorCode: '',
            error: '',
            retriable: false,
            leader: '',
          });
        },
        (err: Error & { code?: string; retriable?: boolean; leader?: string | null }) => {
          call.write(failure(req.id, errorCode(err), err.message, err.retriable ?? false, err.leader ?? ''));
        },
      );
    });
    call.on('end', () => call.end());
    call.on('error', (err) => this.log.debug({ err }, 'propose stream error'));
  }
}


function errorCode(err: Error & { code?: string }): string {
  switch (err.name) {
    case 'NotLeaderError':
      return 'NOT_LEADER';
    case 'BusyError':
      return 'BUSY';
    case 'EntryTooLargeError':
      return 'TOO_LARGE';
    default:
      return typeof err.code === 'string' ? err.code : 'INTERNAL';
  }
}

function failure(id: string, errorCode: string, error: string, retriable: boolean, leader: string): ProposeResponse {
  return { id, indexes: [], term: '0', errorCode, error, retriable, leader };
}
