// Typed-enough shapes of the apache.rocketmq.v2 messages the broker reads and writes, as
// produced by the loader options of v2-proto.ts: field names exactly as in the .proto
// (keepCase), 64-bit integers as decimal strings (numbers are accepted when sending), enums as
// numbers (see v2-codes.ts), unset scalars filled with defaults, and for every oneof (and
// proto3 `optional`, which is a synthetic oneof `_<field>`) a virtual field naming the set member.
// Only the fields the broker needs are typed; the rest stay reachable through the index type.

import type {
  AddressScheme,
  ClientType,
  Code,
  DigestType,
  Encoding,
  FilterType,
  MessageType,
  Permission,
  QueryOffsetPolicy,
  TransactionResolution,
  TransactionSource,
} from './v2-codes.ts';

/** int64 as decoded (a decimal string); numbers are accepted on the way out. */
export type Int64 = string | number;

export interface Duration {
  seconds: Int64;
  nanos: number;
}

export interface Timestamp {
  seconds: Int64;
  nanos: number;
}

export interface Status {
  code: Code | number;
  message: string;
}

export interface Resource {
  resource_namespace: string;
  name: string;
}

export interface Address {
  host: string;
  port: number;
}

export interface Endpoints {
  scheme: AddressScheme | number;
  addresses: Address[];
}

export interface Broker {
  name: string;
  id: number;
  endpoints: Endpoints | null;
}

export interface MessageQueue {
  topic: Resource | null;
  id: number;
  permission: Permission | number;
  broker: Broker | null;
  accept_message_types: Array<MessageType | number>;
}

export interface FilterExpression {
  type: FilterType | number;
  expression: string;
}

export interface Digest {
  type: DigestType | number;
  checksum: string;
}

export interface SystemProperties {
  tag?: string;
  keys: string[];
  message_id: string;
  body_digest: Digest | null;
  body_encoding: Encoding | number;
  message_type: MessageType | number;
  born_timestamp: Timestamp | null;
  born_host: string;
  store_timestamp?: Timestamp | null;
  store_host: string;
  delivery_timestamp?: Timestamp | null;
  receipt_handle?: string;
  queue_id: number;
  queue_offset?: Int64;
  invisible_duration?: Duration | null;
  delivery_attempt?: number;
  message_group?: string;
  trace_context?: string;
  orphaned_transaction_recovery_duration?: Duration | null;
  [field: string]: unknown;
}

export interface Message {
  topic: Resource | null;
  user_properties: Record<string, string>;
  system_properties: SystemProperties | null;
  body: Buffer;
}

export interface ExponentialBackoff {
  initial: Duration | null;
  max: Duration | null;
  multiplier: number;
}

export interface RetryPolicy {
  max_attempts: number;
  exponential_backoff?: ExponentialBackoff | null;
  customized_backoff?: { next: Duration[] } | null;
  strategy?: 'exponential_backoff' | 'customized_backoff';
}

export interface Publishing {
  topics: Resource[];
  max_body_size: number;
  validate_message_type: boolean;
}

export interface SubscriptionEntry {
  topic: Resource | null;
  expression: FilterExpression | null;
}

export interface Subscription {
  group?: Resource | null;
  subscriptions: SubscriptionEntry[];
  fifo?: boolean;
  receive_batch_size?: number;
  long_polling_timeout?: Duration | null;
  [field: string]: unknown;
}

export interface Settings {
  client_type?: ClientType | number;
  access_point?: Endpoints | null;
  backoff_policy?: RetryPolicy | null;
  request_timeout?: Duration | null;
  publishing?: Publishing | null;
  subscription?: Subscription | null;
  pub_sub?: 'publishing' | 'subscription';
  user_agent?: { language: number; version: string; platform: string; hostname: string } | null;
  metric?: { on: boolean; endpoints?: Endpoints | null } | null;
  [field: string]: unknown;
}

export interface TelemetryCommand {
  status?: Status | null;
  settings?: Settings | null;
  recover_orphaned_transaction_command?: { message: Message | null; transaction_id: string } | null;
  command?: string;
  [field: string]: unknown;
}

export interface QueryRouteRequest {
  topic: Resource | null;
  endpoints: Endpoints | null;
}

export interface QueryRouteResponse {
  status: Status;
  message_queues: MessageQueue[];
}

export interface HeartbeatRequest {
  group?: Resource | null;
  client_type: ClientType | number;
}

export interface SendMessageRequest {
  messages: Message[];
}

export interface SendResultEntry {
  status: Status;
  message_id: string;
  transaction_id: string;
  offset: Int64;
  recall_handle?: string;
}

export interface SendMessageResponse {
  status: Status;
  entries: SendResultEntry[];
}

export interface ReceiveMessageRequest {
  group: Resource | null;
  message_queue: MessageQueue | null;
  filter_expression: FilterExpression | null;
  batch_size: number;
  invisible_duration?: Duration | null;
  auto_renew: boolean;
  long_polling_timeout?: Duration | null;
  attempt_id?: string;
}

/** One element of the ReceiveMessage server stream: exactly one of the three is set. */
export interface ReceiveMessageResponse {
  status?: Status;
  message?: Message;
  delivery_timestamp?: Timestamp;
}

export interface AckMessageEntry {
  message_id: string;
  receipt_handle: string;
}

export interface AckMessageRequest {
  group: Resource | null;
  topic: Resource | null;
  entries: AckMessageEntry[];
}

export interface AckMessageResponse {
  status: Status;
  entries: Array<{ message_id: string; receipt_handle: string; status: Status }>;
}

export interface ChangeInvisibleDurationRequest {
  group: Resource | null;
  topic: Resource | null;
  receipt_handle: string;
  invisible_duration: Duration | null;
  message_id: string;
}

export interface ChangeInvisibleDurationResponse {
  status: Status;
  receipt_handle: string;
}

export interface EndTransactionRequest {
  topic: Resource | null;
  message_id: string;
  transaction_id: string;
  resolution: TransactionResolution | number;
  source: TransactionSource | number;
  trace_context: string;
}

export interface QueryAssignmentRequest {
  topic: Resource | null;
  group: Resource | null;
  endpoints: Endpoints | null;
}

export interface QueryAssignmentResponse {
  status: Status;
  assignments: Array<{ message_queue: MessageQueue }>;
}

export interface ForwardMessageToDeadLetterQueueRequest {
  group: Resource | null;
  topic: Resource | null;
  receipt_handle: string;
  message_id: string;
  delivery_attempt: number;
  max_delivery_attempts: number;
}

export interface QueryOffsetRequest {
  message_queue: MessageQueue | null;
  query_offset_policy: QueryOffsetPolicy | number;
  timestamp?: Timestamp | null;
}

/** A reply that carries only a status (Heartbeat, EndTransaction, NotifyClientTermination, …). */
export interface StatusOnlyResponse {
  status: Status;
}
