// BrokerAdmin over gRPC: decodes the JSON request, runs the service call, encodes the reply;
// a failure becomes a gRPC status with the error code, retriability and (for NOT_LEADER) the
// leader's admin address in the trailers. Added to the node's admin endpoint beside RaftAdmin.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { AdminBadRequestError, AdminNotLeaderError, errorCodeHeader, leaderAdminHeader, retriableHeader, type BrokerAdminError } from './broker-admin-errors.ts';
import { brokerAdminMethods, type BrokerAdminMethod } from './broker-admin-proto.ts';
import { asAdminError, type BrokerAdminService } from './broker-admin-service.ts';

type Call = (s: BrokerAdminService, req: any) => unknown;

const calls: Record<BrokerAdminMethod, Call> = {
  BrokerRuntime: (s) => s.brokerRuntime(),
  TopicList: (s) => s.topicList(),
  TopicStatus: (s, r) => s.topicStatus(r),
  UpdateTopic: (s, r) => s.updateTopic(r),
  DeleteTopic: (s, r) => s.deleteTopic(r),
  UpdateSubGroup: (s, r) => s.updateSubGroup(r),
  DeleteSubGroup: (s, r) => s.deleteSubGroup(r),
  ConsumerProgress: (s, r) => s.consumerProgress(r),
  QueryMsgById: (s, r) => s.queryMsgById(r),
  QueryMsgByKey: (s, r) => s.queryMsgByKey(r),
  QueryMsgByOffset: (s, r) => s.queryMsgByOffset(r),
  ResetOffsetByTime: (s, r) => s.resetOffsetByTime(r),
  GetBrokerConfig: (s) => s.getBrokerConfig(),
  UpdateBrokerConfig: (s, r) => s.updateBrokerConfig(r),
  WipeWritePerm: (s) => s.wipeWritePerm(),
  AddWritePerm: (s) => s.addWritePerm(),
  ConsumerConnection: (s, r) => s.consumerConnection(r),
  ProducerConnection: (s, r) => s.producerConnection(r),
  StatsAll: (s, r) => s.statsAll(r),
  ReadQueue: (s, r) => s.readQueue(r),
};

export function brokerAdminImplementation(service: BrokerAdminService, log: Logger): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of brokerAdminMethods) {
    impl[method] = (call: grpc.ServerUnaryCall<{ json: string }, { json: string }>, cb: grpc.sendUnaryData<{ json: string }>) => {
      let req: unknown;
      try {
        req = call.request.json === '' ? {} : JSON.parse(call.request.json);
      } catch (err) {
        cb(toStatus(new AdminBadRequestError(`request is not JSON: ${(err as Error).message}`)));
        return;
      }
      Promise.resolve()
        .then(() => calls[method](service, req))
        .then(
          (res) => cb(null, { json: JSON.stringify(res) }),
          (err: unknown) => {
            const e = asAdminError(err);
            if (e.code === 'INTERNAL') log.warn({ err, method }, 'broker admin call failed');
            cb(toStatus(e));
          },
        );
    };
  }
  return impl;
}

function toStatus(e: BrokerAdminError): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set(errorCodeHeader, e.code);
  metadata.set(retriableHeader, String(e.retriable));
  if (e instanceof AdminNotLeaderError) metadata.set(leaderAdminHeader, e.leaderAdmin);
  const code =
    e.code === 'BAD_REQUEST' ? grpc.status.INVALID_ARGUMENT
      : e.code === 'NOT_FOUND' ? grpc.status.NOT_FOUND
        : e.code === 'NOT_LEADER' || e.code === 'RESTART_REQUIRED' ? grpc.status.FAILED_PRECONDITION
          : e.code === 'WRITE_FAILED' ? grpc.status.UNAVAILABLE
            : grpc.status.INTERNAL;
  return { code, details: e.message, metadata };
}
