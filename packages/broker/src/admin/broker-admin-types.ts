// The JSON documents of the BrokerAdmin service (proto/broker-admin.proto): the contract between
// the broker and the CLI. Numbers are plain JSON numbers (offsets stay below 2^53).

import type { ClientView } from '../clients/client-registry.ts';

export type { ClientView };

export interface TopicView {
  readonly name: string;
  readonly readQueueNums: number;
  readonly writeQueueNums: number;
  readonly perm: number;
  /** NORMAL, FIFO, DELAY or TRANSACTION */
  readonly messageType: string;
}

export interface BrokerRuntimeReply {
  readonly clusterName: string;
  readonly brokerName: string;
  readonly nodeId: string;
  /** RocketMQ's brokerStatus table: key -> value, as mqadmin prints it. */
  readonly table: Readonly<Record<string, string>>;
}

export interface TopicListReply {
  readonly brokerName: string;
  readonly topics: readonly TopicView[];
}

export interface QueueStatus {
  readonly queueId: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Store time of the newest message, 0 when the queue is empty. */
  readonly lastUpdateTimestampMs: number;
}

export interface TopicStatusReply {
  readonly brokerName: string;
  readonly topic: string;
  readonly queues: readonly QueueStatus[];
}

export interface UpdateTopicRequest {
  readonly topic: string;
  readonly readQueueNums?: number;
  readonly writeQueueNums?: number;
  readonly perm?: number;
  readonly messageType?: string;
}

export interface UpdateSubGroupRequest {
  readonly group: string;
  readonly retryMaxTimes?: number;
  readonly fifo?: boolean;
  readonly consumeEnable?: boolean;
}

export interface WriteReply {
  readonly brokerName: string;
  /** ok, exists (create of an existing one), not-found (delete of a missing one) */
  readonly outcome: string;
  /** Raft index of the entry that carried the change. */
  readonly index: number;
}

export interface QueueProgress {
  readonly topic: string;
  readonly brokerName: string;
  readonly queueId: number;
  readonly brokerOffset: number;
  readonly consumerOffset: number;
  readonly diff: number;
  readonly inflight: number;
  /** Store time of the last message the group committed past, 0 when none. */
  readonly lastTimestampMs: number;
}

export interface ConsumerProgressReply {
  readonly group: string;
  readonly brokerName: string;
  readonly diffTotal: number;
  /** Messages per second handed to consumers (all groups) over the last 60 s. */
  readonly consumeTps: number;
  readonly queues: readonly QueueProgress[];
}

export interface MessageView {
  /** Offset message id (store host + physical offset), '' when the store host is not IPv4. */
  readonly offsetMsgId: string;
  /** The client's message id (UNIQ_KEY). */
  readonly msgId: string;
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: number;
  readonly physicalOffset: number;
  readonly tags: string;
  readonly keys: readonly string[];
  readonly bornHost: string;
  readonly bornTimestampMs: number;
  readonly storeHost: string;
  readonly storeTimestampMs: number;
  readonly reconsumeTimes: number;
  readonly bodyBytes: number;
  readonly bodyCrc32c: number;
  readonly userProperties: Readonly<Record<string, string>>;
  /** The body as UTF-8 (lossy for binary bodies), at most bodyPreviewBytesMax bytes. */
  readonly body: string;
}

export interface QueryMsgReply {
  readonly brokerName: string;
  readonly messages: readonly MessageView[];
}

export interface ResetOffsetReply {
  readonly brokerName: string;
  readonly group: string;
  readonly topic: string;
  readonly queues: ReadonlyArray<{ readonly queueId: number; readonly offset: number }>;
}

export interface BrokerConfigReply {
  readonly brokerName: string;
  readonly nodeId: string;
  readonly config: Readonly<Record<string, string>>;
}

export interface WritePermReply {
  readonly brokerName: string;
  readonly topicsChanged: number;
}

export const bodyPreviewBytesMax = 4096;

/** ReadQueue (exportMessage): messages per reply, and stored bytes per reply (one message may exceed it). */
export const readQueueCountMax = 256;
export const readQueueReplyBytesMax = 1024 * 1024;

export interface ExportedMessage extends MessageView {
  /** The whole body, base64. */
  readonly bodyBase64: string;
}

export interface ReadQueueReply {
  readonly brokerName: string;
  readonly topic: string;
  readonly queueId: number;
  readonly minOffset: number;
  readonly maxOffset: number;
  /** Where the next read starts. */
  readonly nextOffset: number;
  readonly messages: readonly ExportedMessage[];
}

export interface UpdateBrokerConfigReply {
  readonly brokerName: string;
  readonly nodeId: string;
  /** key -> value now in force on this node. */
  readonly applied: Readonly<Record<string, string>>;
  /** Always false: the change lasts until the node restarts (edit broker.conf to keep it). */
  readonly persisted: boolean;
}

/** consumerConnection / producerConnection: the clients connected to one node. */
export interface ConnectionReply {
  readonly brokerName: string;
  readonly nodeId: string;
  readonly clients: readonly ClientView[];
}

export interface StatsAllReply {
  readonly brokerName: string;
  readonly nodeId: string;
  /** Whether this node leads its group now (its backlog figures are the group's latest). */
  readonly leader: boolean;
  /** User topics of the group (or the one asked for). */
  readonly topics: readonly string[];
  /** Messages this node stored while it led, per topic. */
  readonly puts: ReadonlyArray<{ readonly topic: string; readonly inTps: number; readonly inMsg24Hour: number }>;
  /** Messages this node delivered while it led, per topic and group. */
  readonly gets: ReadonlyArray<{ readonly topic: string; readonly group: string; readonly outTps: number; readonly outMsg24Hour: number }>;
  /** Stored and not yet committed, per topic and group. */
  readonly backlog: ReadonlyArray<{ readonly topic: string; readonly group: string; readonly accumulation: number }>;
}
