// Enum values of apache.rocketmq.v2 (definition.proto of rocketmq-client-nodejs@1.0.8), as
// plain `as const` objects. The names and numbers are checked against the installed .proto
// at test time (v2-proto.test.ts), so a client upgrade that renumbers anything fails loudly.
// Messages are loaded with enums as numbers (see v2-proto.ts): compare and send these numbers.

/** Status.code of every v2 reply. */
export const Code = {
  CODE_UNSPECIFIED: 0,
  OK: 20000,
  MULTIPLE_RESULTS: 30000,
  BAD_REQUEST: 40000,
  ILLEGAL_ACCESS_POINT: 40001,
  ILLEGAL_TOPIC: 40002,
  ILLEGAL_CONSUMER_GROUP: 40003,
  ILLEGAL_MESSAGE_TAG: 40004,
  ILLEGAL_MESSAGE_KEY: 40005,
  ILLEGAL_MESSAGE_GROUP: 40006,
  ILLEGAL_MESSAGE_PROPERTY_KEY: 40007,
  INVALID_TRANSACTION_ID: 40008,
  ILLEGAL_MESSAGE_ID: 40009,
  ILLEGAL_FILTER_EXPRESSION: 40010,
  ILLEGAL_INVISIBLE_TIME: 40011,
  ILLEGAL_DELIVERY_TIME: 40012,
  INVALID_RECEIPT_HANDLE: 40013,
  MESSAGE_PROPERTY_CONFLICT_WITH_TYPE: 40014,
  UNRECOGNIZED_CLIENT_TYPE: 40015,
  MESSAGE_CORRUPTED: 40016,
  CLIENT_ID_REQUIRED: 40017,
  ILLEGAL_POLLING_TIME: 40018,
  ILLEGAL_OFFSET: 40019,
  ILLEGAL_LITE_TOPIC: 40020,
  UNAUTHORIZED: 40100,
  PAYMENT_REQUIRED: 40200,
  FORBIDDEN: 40300,
  NOT_FOUND: 40400,
  MESSAGE_NOT_FOUND: 40401,
  TOPIC_NOT_FOUND: 40402,
  CONSUMER_GROUP_NOT_FOUND: 40403,
  OFFSET_NOT_FOUND: 40404,
  REQUEST_TIMEOUT: 40800,
  PAYLOAD_TOO_LARGE: 41300,
  MESSAGE_BODY_TOO_LARGE: 41301,
  MESSAGE_BODY_EMPTY: 41302,
  PRECONDITION_FAILED: 42800,
  TOO_MANY_REQUESTS: 42900,
  LITE_TOPIC_QUOTA_EXCEEDED: 42901,
  LITE_SUBSCRIPTION_QUOTA_EXCEEDED: 42902,
  REQUEST_HEADER_FIELDS_TOO_LARGE: 43100,
  MESSAGE_PROPERTIES_TOO_LARGE: 43101,
  INTERNAL_ERROR: 50000,
  INTERNAL_SERVER_ERROR: 50001,
  HA_NOT_AVAILABLE: 50002,
  NOT_IMPLEMENTED: 50100,
  PROXY_TIMEOUT: 50400,
  MASTER_PERSISTENCE_TIMEOUT: 50401,
  SLAVE_PERSISTENCE_TIMEOUT: 50402,
  UNSUPPORTED: 50500,
  VERSION_UNSUPPORTED: 50501,
  VERIFY_FIFO_MESSAGE_UNSUPPORTED: 50502,
  FAILED_TO_CONSUME_MESSAGE: 60000,
} as const;
export type Code = (typeof Code)[keyof typeof Code];

export const Permission = { PERMISSION_UNSPECIFIED: 0, NONE: 1, READ: 2, WRITE: 3, READ_WRITE: 4 } as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const MessageType = {
  MESSAGE_TYPE_UNSPECIFIED: 0,
  NORMAL: 1,
  FIFO: 2,
  DELAY: 3,
  TRANSACTION: 4,
  LITE: 5,
  PRIORITY: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const AddressScheme = { ADDRESS_SCHEME_UNSPECIFIED: 0, IPv4: 1, IPv6: 2, DOMAIN_NAME: 3 } as const;
export type AddressScheme = (typeof AddressScheme)[keyof typeof AddressScheme];

export const DigestType = { DIGEST_TYPE_UNSPECIFIED: 0, CRC32: 1, MD5: 2, SHA1: 3 } as const;
export type DigestType = (typeof DigestType)[keyof typeof DigestType];

export const Encoding = { ENCODING_UNSPECIFIED: 0, IDENTITY: 1, GZIP: 2 } as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

export const ClientType = {
  CLIENT_TYPE_UNSPECIFIED: 0,
  PRODUCER: 1,
  PUSH_CONSUMER: 2,
  SIMPLE_CONSUMER: 3,
  PULL_CONSUMER: 4,
  LITE_PUSH_CONSUMER: 5,
  LITE_SIMPLE_CONSUMER: 6,
} as const;
export type ClientType = (typeof ClientType)[keyof typeof ClientType];

export const FilterType = { FILTER_TYPE_UNSPECIFIED: 0, TAG: 1, SQL: 2 } as const;
export type FilterType = (typeof FilterType)[keyof typeof FilterType];

export const TransactionResolution = { TRANSACTION_RESOLUTION_UNSPECIFIED: 0, COMMIT: 1, ROLLBACK: 2 } as const;
export type TransactionResolution = (typeof TransactionResolution)[keyof typeof TransactionResolution];

export const TransactionSource = { SOURCE_UNSPECIFIED: 0, SOURCE_CLIENT: 1, SOURCE_SERVER_CHECK: 2 } as const;
export type TransactionSource = (typeof TransactionSource)[keyof typeof TransactionSource];

export const QueryOffsetPolicy = { BEGINNING: 0, END: 1, TIMESTAMP: 2 } as const;
export type QueryOffsetPolicy = (typeof QueryOffsetPolicy)[keyof typeof QueryOffsetPolicy];

/** Every enum above by its name in definition.proto (what the test checks against the .proto). */
export const v2Enums = {
  Code,
  Permission,
  MessageType,
  AddressScheme,
  DigestType,
  Encoding,
  ClientType,
  FilterType,
  TransactionResolution,
  TransactionSource,
  QueryOffsetPolicy,
} as const;

const codeNames = new Map<number, string>(Object.entries(Code).map(([name, value]) => [value, name]));

/** `TOPIC_NOT_FOUND (40402)` for logs; unknown numbers are shown as such. */
export function codeName(code: number): string {
  return `${codeNames.get(code) ?? 'UNKNOWN'} (${code})`;
}
