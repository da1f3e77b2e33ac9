import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { Code, v2Enums } from './v2-codes.ts';
import {
  messagingRpcNames,
  messagingServiceClient,
  messagingServiceDefinition,
  v2EnumValues,
  v2ProtoPackageVersion,
  v2ProtoRoot,
} from './v2-proto.ts';
import { durationToMs, msToDuration, msToTimestamp, timestampToMs } from './v2-time.ts';
import { namesrvRpcNames, namesrvServiceClient, namesrvServiceDefinition } from './namesrv-proto.ts';
import { InvalidFieldError } from './errors.ts';

/** What PROTOCOL-V2-NOTES.md lists as called by the client or by other clients. */
const rpcsInNotes = [
  'QueryRoute',
  'Heartbeat',
  'SendMessage',
  'ReceiveMessage',
  'AckMessage',
  'ChangeInvisibleDuration',
  'Telemetry',
  'NotifyClientTermination',
  'EndTransaction',
  'QueryAssignment',
  'ForwardMessageToDeadLetterQueue',
  'PullMessage',
  'UpdateOffset',
  'GetOffset',
  'QueryOffset',
];

describe('v2 definition loaded from rocketmq-client-nodejs', () => {
  it('comes from the installed package, not from this repository', () => {
    const root = v2ProtoRoot();
    expect(root).toContain(`${path.sep}node_modules${path.sep}rocketmq-client-nodejs${path.sep}proto`);
    expect(v2ProtoPackageVersion()).toBe('1.0.8');
  });

  it('has every RPC the notes list, with the right streaming kinds', () => {
    const def = messagingServiceDefinition();
    for (const name of rpcsInNotes) expect(def, name).toHaveProperty(name);
    expect(Object.keys(def).sort()).toEqual([...messagingRpcNames].sort());
    const kind = (n: string) => [def[n]!.requestStream, def[n]!.responseStream];
    expect(kind('Telemetry')).toEqual([true, true]);
    expect(kind('ReceiveMessage')).toEqual([false, true]);
    expect(kind('PullMessage')).toEqual([false, true]);
    expect(kind('SendMessage')).toEqual([false, false]);
    expect(def['QueryRoute']!.path).toBe('/apache.rocketmq.v2.MessagingService/QueryRoute');
    expect(typeof messagingServiceClient()).toBe('function');
  });

  it('enum objects match definition.proto exactly', () => {
    for (const [enumName, ours] of Object.entries(v2Enums)) {
      const loaded = Object.fromEntries(v2EnumValues(enumName));
      expect(ours, enumName).toEqual(loaded);
    }
    // The numbers the notes rely on.
    expect(Code).toMatchObject({
      OK: 20000,
      MESSAGE_NOT_FOUND: 40401,
      BAD_REQUEST: 40000,
      INVALID_RECEIPT_HANDLE: 40013,
      TOPIC_NOT_FOUND: 40402,
      CONSUMER_GROUP_NOT_FOUND: 40403,
      PAYLOAD_TOO_LARGE: 41300,
      MESSAGE_BODY_TOO_LARGE: 41301,
      TOO_MANY_REQUESTS: 42900,
      INTERNAL_ERROR: 50000,
      INTERNAL_SERVER_ERROR: 50001,
      HA_NOT_AVAILABLE: 50002,
    });
    // And the .proto text agrees with the loader (guards against a loader quirk).
    const text = readFileSync(path.join(v2ProtoRoot(), 'apache/rocketmq/v2/definition.proto'), 'utf8');
    expect(text).toMatch(/\bHA_NOT_AVAILABLE = 50002;/);
  });

  it('decodes with keepCase, longs as strings, enums as numbers, defaults and oneof names', () => {
    const def = messagingServiceDefinition();
    const route = def['QueryRoute']!;
    const wire = route.responseSerialize({
      status: { code: Code.OK, message: 'OK' },
      message_queues: [{ topic: { name: 'T' }, id: 0, permission: 4, broker: { name: 'b', id: 0, endpoints: { scheme: 1, addresses: [{ host: '127.0.0.1', port: 8081 }] } }, accept_message_types: [1, 2] }],
    });
    const back = route.responseDeserialize(wire) as Record<string, any>;
    expect(back['status']).toEqual({ code: 20000, message: 'OK' });
    expect(back['message_queues'][0]).toMatchObject({ topic: { resource_namespace: '', name: 'T' }, permission: 4, accept_message_types: [1, 2] });

    const send = def['SendMessage']!;
    const res = send.responseDeserialize(
      send.responseSerialize({ status: { code: Code.OK }, entries: [{ status: { code: Code.OK }, message_id: 'x', offset: '9007199254740993' }] }),
    ) as Record<string, any>;
    expect(res['entries'][0].offset).toBe('9007199254740993');
    expect(res['entries'][0].transaction_id).toBe('');

    const telemetry = def['Telemetry']!;
    const cmd = telemetry.requestDeserialize(telemetry.requestSerialize({ settings: { request_timeout: { seconds: 3, nanos: 0 } } })) as Record<string, any>;
    expect(cmd['command']).toBe('settings');
    expect(cmd['settings'].request_timeout).toEqual({ seconds: '3', nanos: 0 });
    expect(cmd['status']).toBeUndefined(); // proto3 optional: absence stays visible
  });

  it('serves through grpc-js (method keys are what Server.addService wants)', () => {
    const server = new grpc.Server();
    expect(() => server.addService(messagingServiceDefinition(), {})).not.toThrow();
    expect(() => server.addService(namesrvServiceDefinition(), {})).not.toThrow();
    server.forceShutdown();
  });
});

describe('NameServer definition', () => {
  it('has its RPCs', () => {
    expect(Object.keys(namesrvServiceDefinition()).sort()).toEqual([...namesrvRpcNames].sort());
    expect(typeof namesrvServiceClient()).toBe('function');
  });
});

describe('v2 time conversions', () => {
  it('round-trips durations and timestamps in milliseconds', () => {
    expect(msToDuration(1_500)).toEqual({ seconds: '1', nanos: 500_000_000 });
    expect(durationToMs({ seconds: '30', nanos: 1_999_999 }, 0)).toBe(30_001);
    expect(durationToMs(undefined, 15_000)).toBe(15_000);
    expect(durationToMs({ seconds: 0, nanos: 1_000_000 }, 0)).toBe(1); // the PushConsumer's ~1 ms nack
    const now = 1_767_225_600_123;
    expect(timestampToMs(msToTimestamp(now), 0)).toBe(now);
    expect(() => durationToMs({ seconds: '-1', nanos: 0 }, 0)).toThrow(InvalidFieldError);
    expect(() => durationToMs({ seconds: '99999999999999999999', nanos: 0 }, 0)).toThrow(InvalidFieldError);
  });
});
