// The v2 methods of a broker node, in terms of the broker's services. Each returns the v2
// response (status in the body, as the protocol wants); errors become statuses in V2Server.

import { Code, TransactionResolution, durationToMs, msToTimestamp, permToV2, routeToV2MessageQueues, messageTypesToV2, type TopicRoute, type v2 } from '@ledgermq/protocol';
import type { TopicConfig } from '@ledgermq/store';
import { BadRequestError, TopicNotFoundError } from '../errors.ts';
import { clientHeadersOf, type ClientRegistry } from '../clients/client-registry.ts';
import type { Arrivals } from '../consumer/arrivals.ts';
import type { ReceiveService } from '../consumer/receive-service.ts';
import { offsetHandlers } from './offset-handlers.ts';
import { parseTagFilter } from '../consumer/tag-filter.ts';
import type { SendService } from '../producer/send-service.ts';
import type { TransactionService } from '../producer/transaction-service.ts';
import type { RouteSource } from '../route-source.ts';
import type { StorePort } from '../store-port.ts';
import type { CallContext } from './call-context.ts';
import { acceptedTypes, toV2 } from './message-convert.ts';
import { sendMessage } from './send-handler.ts';
import { checkGroupName, checkTopicName } from './message-validate.ts';
import type { V2Handlers } from './v2-server.ts';

export interface HandlerDeps {
  readonly store: StorePort;
  readonly send: SendService;
  readonly receive: ReceiveService;
  readonly routes: RouteSource;
  readonly self: { readonly brokerName: string; readonly host: string; readonly port: number };
  readonly maxBodyBytes: number;
  readonly timerDelayMsMax: number;
  readonly delayLevelsMs: readonly number[];
  readonly autoCreateTopic: boolean;
  readonly defaultQueueNums: number;
  /** Route entries each group's leader gets (`routeLeaderEntries`; see routeToV2MessageQueues). */
  readonly routeLeaderEntries: number;
  readonly maxAttemptsOf: (group: string) => number;
  readonly fifoOf: (group: string) => boolean;
  readonly nowMs: () => number;
  readonly transactions: TransactionService;
  readonly topicForWrite: (topic: string) => Promise<TopicConfig | undefined>;
  readonly arrivals: Arrivals;
  readonly commitOffset: (group: string, topic: string, queueId: number, offset: number) => Promise<void>;
  /** Told of heartbeats and terminations (consumerConnection, producerConnection). */
  readonly clients?: Pick<ClientRegistry, 'heartbeat' | 'terminated'>;
}

const ok = (): v2.Status => ({ code: Code.OK, message: 'OK' });
export const invisibleMsDefault = 30_000;
export const invisibleMsMax = 12 * 3600 * 1000;
export const longPollMsMax = 30_000;
/** Long polling ends this much before the client's long_polling_timeout (its deadline follows it). */
export const longPollMarginMs = 100;

export function makeHandlers(d: HandlerDeps): V2Handlers {
  return {
    QueryRoute: (req: v2.QueryRouteRequest, ctx) => queryRoute(d, req, ctx),
    Heartbeat: async (req: { group?: v2.Resource | null; client_type?: number }, ctx) => {
      d.clients?.heartbeat(ctx.clientId, req, clientHeadersOf(ctx.headers));
      return { status: ok() };
    },
    NotifyClientTermination: async (_req, ctx) => {
      d.clients?.terminated(ctx.clientId);
      return { status: ok() };
    },
    QueryAssignment: (req, ctx) => queryAssignment(d, req, ctx),
    SendMessage: (req: v2.SendMessageRequest) => sendMessage(d, req),
    ReceiveMessage: (req: v2.ReceiveMessageRequest, ctx) => receiveMessage(d, req, ctx),
    AckMessage: async (req: v2.AckMessageRequest) => ackMessage(d, req),
    ChangeInvisibleDuration: async (req: v2.ChangeInvisibleDurationRequest) => changeInvisible(d, req),
    EndTransaction: (req: v2.EndTransactionRequest) => endTransaction(d, req),
    ...offsetHandlers(d),
    ForwardMessageToDeadLetterQueue: (req) => forwardToDlq(d, req),
  };
}

async function queryRoute(d: HandlerDeps, req: v2.QueryRouteRequest, ctx: CallContext): Promise<v2.QueryRouteResponse> {
  const topic = req.topic?.name ?? '';
  checkTopicName(topic, false);
  const route = await d.routes.queryRoute(topic);
  if (route !== null && route.groups.length > 0) return { status: ok(), message_queues: routeToV2MessageQueues(route, { namespace: ctx.namespace, leaderEntries: d.routeLeaderEntries }) };
  // Not listed by any NameServer (yet): answer for this group when the topic is here, or would
  // be created by the first send.
  const local = d.store.topic(topic);
  if (local === undefined && !d.autoCreateTopic) throw new TopicNotFoundError(topic);
  const nodes = await d.routes.groupNodes();
  const self: TopicRoute = {
    topic,
    groups: [{
      clusterName: '', brokerName: d.self.brokerName, leaderNodeId: '',
      queues: queueData(local, d.defaultQueueNums),
      nodes: nodes.length > 0 ? nodes : [{ nodeId: '', brokerId: 0, role: 'LEADER', raftTerm: 0, v2Endpoint: { host: d.self.host, port: d.self.port }, adminAddress: '', ageMs: 0 }],
    }],
  };
  return { status: ok(), message_queues: routeToV2MessageQueues(self, { namespace: ctx.namespace, leaderEntries: d.routeLeaderEntries }) };
}


function queueData(t: TopicConfig | undefined, defaultQueueNums: number) {
  if (t === undefined) return { readQueueNums: defaultQueueNums, writeQueueNums: defaultQueueNums, perm: 6, messageTypes: [] };
  return { readQueueNums: t.readQueueNums, writeQueueNums: t.writeQueueNums, perm: t.perm, messageTypes: acceptedTypes(t.messageType) };
}

async function queryAssignment(d: HandlerDeps, req: { topic?: v2.Resource | null; group?: v2.Resource | null }, ctx: CallContext) {
  const topic = req.topic?.name ?? '';
  checkTopicName(topic, false);
  const t = d.store.topic(topic);
  if (t === undefined) throw new TopicNotFoundError(topic);
  // One assignment per group of the route: the broker pops from every queue of the group.
  const route = await queryRoute(d, { topic: req.topic ?? null, endpoints: null }, ctx);
  const seen = new Set<string>();
  const assignments = route.message_queues.filter((q) => {
    const name = q.broker?.name ?? '';
    if (seen.has(name)) return false;
    seen.add(name);
    return true;
  }).map((q) => ({ message_queue: { ...q, permission: permToV2(t.perm), accept_message_types: messageTypesToV2(acceptedTypes(t.messageType)) } }));
  return { status: ok(), assignments };
}

async function endTransaction(d: HandlerDeps, req: v2.EndTransactionRequest): Promise<{ status: v2.Status }> {
  const topic = req.topic?.name ?? '';
  checkTopicName(topic, false);
  const resolution = Number(req.resolution);
  if (resolution !== TransactionResolution.COMMIT && resolution !== TransactionResolution.ROLLBACK) {
    throw new BadRequestError(`resolution must be COMMIT or ROLLBACK, got ${req.resolution}`);
  }
  await d.transactions.end(topic, req.message_id, req.transaction_id, resolution === TransactionResolution.COMMIT);
  return { status: ok() };
}

async function forwardToDlq(d: HandlerDeps, req: { group?: v2.Resource | null; topic?: v2.Resource | null; receipt_handle: string; delivery_attempt?: number }): Promise<{ status: v2.Status }> {
  const group = req.group?.name ?? '';
  const topic = req.topic?.name ?? '';
  checkGroupName(group);
  checkTopicName(topic, false);
  await d.receive.forwardToDeadLetter(group, topic, req.receipt_handle, req.delivery_attempt ?? 0);
  return { status: ok() };
}

async function receiveMessage(d: HandlerDeps, req: v2.ReceiveMessageRequest, ctx: CallContext): Promise<v2.ReceiveMessageResponse[]> {
  const group = req.group?.name ?? '';
  checkGroupName(group);
  const topic = req.message_queue?.topic?.name ?? '';
  checkTopicName(topic, false);
  const t = d.store.topic(topic);
  if (t === undefined) throw new TopicNotFoundError(topic);
  const filter = parseTagFilter(Number(req.filter_expression?.type ?? 1), req.filter_expression?.expression ?? '*');
  const invisibleMs = durationToMs(req.invisible_duration, invisibleMsDefault, 'invisible_duration');
  if (invisibleMs > invisibleMsMax) throw new BadRequestError(`invisible duration over ${invisibleMsMax} ms`, Code.ILLEGAL_INVISIBLE_TIME);
  const pollMs = Math.min(longPollMsMax, durationToMs(req.long_polling_timeout, 0, 'long_polling_timeout'));
  const batchSize = Math.max(1, Math.min(req.batch_size || 32, 1_024));
  const got = await d.receive.receive({
    group, topic, filter, batchSize, invisibleMs: Math.max(1, invisibleMs),
    longPollMs: Math.max(0, pollMs - longPollMarginMs), fifo: d.fifoOf(group), maxAttempts: d.maxAttemptsOf(group), cancelled: ctx.cancelled,
  });
  if (got.length === 0) return [{ status: { code: Code.MESSAGE_NOT_FOUND, message: 'no new message' } }];
  const out: v2.ReceiveMessageResponse[] = [{ status: ok() }];
  for (const r of got) {
    out.push({ message: toV2(r.message.message, { topic, queueOffset: r.message.queueOffset, receiptHandle: r.handle, deliveryAttempt: r.attempt, invisibleMs: r.invisibleMs, type: t.messageType }) });
  }
  out.push({ delivery_timestamp: msToTimestamp(d.nowMs()) });
  return out;
}

function ackMessage(d: HandlerDeps, req: v2.AckMessageRequest): v2.AckMessageResponse {
  const group = req.group?.name ?? '';
  const topic = req.topic?.name ?? '';
  checkGroupName(group);
  checkTopicName(topic, false);
  const entries = (req.entries ?? []).map((e) => {
    try {
      d.receive.ack(group, topic, e.receipt_handle);
      return { message_id: e.message_id, receipt_handle: e.receipt_handle, status: ok() };
    } catch (err) {
      const x = err as Error & { v2Code?: number };
      return { message_id: e.message_id, receipt_handle: e.receipt_handle, status: { code: x.v2Code ?? Code.INTERNAL_ERROR, message: x.message } };
    }
  });
  const failed = entries.find((e) => e.status.code !== Code.OK);
  return { status: failed?.status ?? ok(), entries };
}

function changeInvisible(d: HandlerDeps, req: v2.ChangeInvisibleDurationRequest): v2.ChangeInvisibleDurationResponse {
  const group = req.group?.name ?? '';
  const topic = req.topic?.name ?? '';
  checkGroupName(group);
  checkTopicName(topic, false);
  // The PushConsumer's nack asks for about 1 ms (a units slip on its side): accept near zero.
  const ms = durationToMs(req.invisible_duration, 0, 'invisible_duration');
  if (ms > invisibleMsMax) throw new BadRequestError(`invisible duration over ${invisibleMsMax} ms`, Code.ILLEGAL_INVISIBLE_TIME);
  const handle = d.receive.changeInvisible(group, topic, req.receipt_handle, ms);
  return { status: ok(), receipt_handle: handle };
}
