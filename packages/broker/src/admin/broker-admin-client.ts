// Client of a broker node's BrokerAdmin service (the CLI). Every call has a deadline; a write
// that reaches a follower is retried once at the leader the follower names.

import * as grpc from '@grpc/grpc-js';
import { adminErrorOf, AdminNotLeaderError, AdminUnavailableError, errorCodeHeader, leaderAdminHeader, retriableHeader, type BrokerAdminError } from './broker-admin-errors.ts';
import { brokerAdminClientConstructor, type BrokerAdminMethod } from './broker-admin-proto.ts';
import type {
  BrokerConfigReply, BrokerRuntimeReply, ConnectionReply, ReadQueueReply, StatsAllReply, UpdateBrokerConfigReply, ConsumerProgressReply, QueryMsgReply, ResetOffsetReply, TopicListReply, TopicStatusReply,
  UpdateSubGroupRequest, UpdateTopicRequest, WritePermReply, WriteReply,
} from './broker-admin-types.ts';

export const adminCallTimeoutMsDefault = 5_000;
/** Largest reply accepted: a ReadQueue batch of base64 bodies (one 4 MiB message is ~5.6 MB). */
const replyBytesMax = 16 * 1024 * 1024;
/** NOT_LEADER answers followed before giving up (a leader change during the call). */
const leaderHopsMax = 2;

type Unary = (req: { json: string }, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: { json: string }) => void) => void;

export class BrokerAdminClient {
  private readonly clients = new Map<string, grpc.Client & Record<string, Unary>>();

  constructor(readonly address: string, private readonly timeoutMs = adminCallTimeoutMsDefault) {}

  brokerRuntime(): Promise<BrokerRuntimeReply> { return this.call('BrokerRuntime', {}); }
  topicList(): Promise<TopicListReply> { return this.call('TopicList', {}); }
  topicStatus(topic: string): Promise<TopicStatusReply> { return this.call('TopicStatus', { topic }); }
  updateTopic(req: UpdateTopicRequest): Promise<WriteReply> { return this.write('UpdateTopic', req); }
  deleteTopic(topic: string): Promise<WriteReply> { return this.write('DeleteTopic', { topic }); }
  updateSubGroup(req: UpdateSubGroupRequest): Promise<WriteReply> { return this.write('UpdateSubGroup', req); }
  deleteSubGroup(group: string): Promise<WriteReply> { return this.write('DeleteSubGroup', { group }); }
  consumerProgress(group: string, topic?: string): Promise<ConsumerProgressReply> { return this.call('ConsumerProgress', { group, topic }); }
  queryMsgById(msgId: string): Promise<QueryMsgReply> { return this.call('QueryMsgById', { msgId }); }
  queryMsgByKey(topic: string, key: string, limit?: number): Promise<QueryMsgReply> { return this.call('QueryMsgByKey', { topic, key, limit }); }
  queryMsgByOffset(topic: string, queueId: number, offset: number): Promise<QueryMsgReply> { return this.call('QueryMsgByOffset', { topic, queueId, offset }); }
  resetOffsetByTime(group: string, topic: string, timestampMs: number): Promise<ResetOffsetReply> { return this.write('ResetOffsetByTime', { group, topic, timestampMs }); }
  getBrokerConfig(): Promise<BrokerConfigReply> { return this.call('GetBrokerConfig', {}); }
  /** Applies on the node asked (each node keeps its own config): not a Raft write. */
  updateBrokerConfig(kv: Record<string, string>): Promise<UpdateBrokerConfigReply> { return this.call('UpdateBrokerConfig', kv); }
  consumerConnection(group: string): Promise<ConnectionReply> { return this.call('ConsumerConnection', { group }); }
  producerConnection(topic?: string): Promise<ConnectionReply> { return this.call('ProducerConnection', { topic }); }
  statsAll(topic?: string): Promise<StatsAllReply> { return this.call('StatsAll', { topic }); }
  readQueue(topic: string, queueId: number, offset: number, count?: number): Promise<ReadQueueReply> { return this.call('ReadQueue', { topic, queueId, offset, count }); }
  wipeWritePerm(): Promise<WritePermReply> { return this.write('WipeWritePerm', {}); }
  addWritePerm(): Promise<WritePermReply> { return this.write('AddWritePerm', {}); }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** A write: follows NOT_LEADER to the leader's admin endpoint. */
  private async write<T>(method: BrokerAdminMethod, req: object): Promise<T> {
    let address = this.address;
    for (let hop = 0; ; hop++) {
      try {
        return await this.callAt<T>(address, method, req);
      } catch (err) {
        if (!(err instanceof AdminNotLeaderError) || err.leaderAdmin === '' || err.leaderAdmin === address || hop >= leaderHopsMax) throw err;
        address = err.leaderAdmin;
      }
    }
  }

  private call<T>(method: BrokerAdminMethod, req: object): Promise<T> {
    return this.callAt(this.address, method, req);
  }

  private callAt<T>(address: string, method: BrokerAdminMethod, req: object): Promise<T> {
    const client = this.client(address);
    return new Promise((resolve, reject) => {
      client[method]!({ json: JSON.stringify(req) }, new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (err, res) => {
        if (err) reject(errorOf(address, err));
        else resolve(JSON.parse(res.json) as T);
      });
    });
  }

  private client(address: string): grpc.Client & Record<string, Unary> {
    let c = this.clients.get(address);
    if (c === undefined) {
      const Ctor = brokerAdminClientConstructor();
      c = new Ctor(address, grpc.credentials.createInsecure(), { 'grpc.enable_retries': 0, 'grpc.max_receive_message_length': replyBytesMax }) as grpc.Client & Record<string, Unary>;
      this.clients.set(address, c);
    }
    return c;
  }
}

function errorOf(address: string, err: grpc.ServiceError): BrokerAdminError {
  const code = String(err.metadata?.get(errorCodeHeader)[0] ?? '');
  if (code === '') return new AdminUnavailableError(address, { cause: new Error(err.details || err.message) });
  const retriable = String(err.metadata.get(retriableHeader)[0] ?? '') === 'true';
  const leader = String(err.metadata.get(leaderAdminHeader)[0] ?? '');
  return adminErrorOf(code, err.details, retriable, leader);
}
