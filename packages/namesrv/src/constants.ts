// Defaults of the NameServer and of broker registration (RocketMQ's). Units last in names.

import { protocolLimits } from '@ledgermq/protocol';

/** Default port of a NameServer (RocketMQ's). */
export const portDefault = protocolLimits.namesrvPortDefault;

/** A broker node re-registers with every NameServer this often (and at once on a role change). */
export const registerIntervalMsDefault = 30_000;
/** A node not heard from for longer than this is dropped from routes. */
export const brokerExpireMsDefault = 120_000;
/** How often the NameServer removes expired nodes (routes already leave them out). */
export const scanIntervalMsDefault = 10_000;
/** Deadline of one NameServer call made by NamesrvClient. */
export const callTimeoutMsDefault = 3_000;
/** Graceful shutdown of the gRPC server waits this long for calls in flight, then forces. */
export const shutdownGraceMsDefault = 2_000;
/** Bounds accepted for configured durations. */
export const durationMsMin = 1;
export const durationMsMax = 24 * 60 * 60 * 1_000;
/** Default bind host of the NameServer process. */
export const hostDefault = '0.0.0.0';
