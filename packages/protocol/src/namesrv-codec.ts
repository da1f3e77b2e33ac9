// Checks of decoded NameServer messages. A message that passes is a well-formed domain value
// (namesrv-types.ts); one that does not raises InvalidFieldError naming the field.

import { isIP } from 'node:net';
import {
  brokerNameCharsMax,
  hostCharsMax,
  queueNumsMax,
  resourceNamePattern,
  topicNameCharsMax,
  topicsPerRegistrationMax,
} from './constants.ts';
import { InvalidFieldError } from './errors.ts';
import {
  nodeRoles,
  topicMessageTypes,
  type BrokerRegistration,
  type HostPort,
  type NodeKey,
  type NodeRole,
  type TopicConfig,
  type TopicMessageType,
} from './namesrv-types.ts';

/** Cluster, broker group and node names: letters, digits, `_`, `-`, `.`. */
export const brokerNamePattern = /^[a-zA-Z0-9_.-]+$/;
const incarnationCharsMax = 128;
const uint32Max = 0xffff_ffff;

type Wire = Record<string, unknown>;

function record(value: unknown, field: string): Wire {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidFieldError(field, 'missing');
  return value as Wire;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InvalidFieldError(field, 'not a string');
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidFieldError(field, `"${String(value)}" is not an integer`);
  if (n < min || n > max) throw new InvalidFieldError(field, `${n} out of ${min}..${max}`);
  return n;
}

export function checkBrokerName(value: unknown, field: string): string {
  const s = text(value, field);
  if (s.length === 0) throw new InvalidFieldError(field, 'empty');
  if (s.length > brokerNameCharsMax) throw new InvalidFieldError(field, `longer than ${brokerNameCharsMax} characters`);
  if (!brokerNamePattern.test(s)) throw new InvalidFieldError(field, `"${s}" has characters outside [a-zA-Z0-9_.-]`);
  return s;
}

export function checkTopicName(value: unknown, field = 'topic'): string {
  const s = text(value, field);
  if (s.length === 0) throw new InvalidFieldError(field, 'empty');
  if (s.length > topicNameCharsMax) throw new InvalidFieldError(field, `longer than ${topicNameCharsMax} characters`);
  if (!resourceNamePattern.test(s)) throw new InvalidFieldError(field, `"${s}" has characters outside [%|a-zA-Z0-9_-]`);
  return s;
}

/** An address clients can dial: a wildcard address is refused. */
export function checkHostPort(value: unknown, field: string): HostPort {
  const w = record(value, field);
  const host = text(w['host'], `${field}.host`);
  if (host.length === 0 || host.length > hostCharsMax) throw new InvalidFieldError(`${field}.host`, `length ${host.length} out of 1..${hostCharsMax}`);
  if (host === '0.0.0.0' || host === '::' || (isIP(host) === 0 && !/^[a-zA-Z0-9.-]+$/.test(host))) {
    throw new InvalidFieldError(`${field}.host`, `"${host}" is not an address clients can reach`);
  }
  return { host, port: integer(w['port'], `${field}.port`, 1, 65_535) };
}

function role(value: unknown, field: string): NodeRole {
  if (!nodeRoles.includes(value as NodeRole)) throw new InvalidFieldError(field, `"${String(value)}" is not one of ${nodeRoles.join(', ')}`);
  return value as NodeRole;
}

function messageTypes(value: unknown, field: string): TopicMessageType[] {
  if (!Array.isArray(value)) throw new InvalidFieldError(field, 'not a list');
  const out = new Set<TopicMessageType>();
  for (const t of value) {
    if (!topicMessageTypes.includes(t as TopicMessageType)) {
      throw new InvalidFieldError(field, `"${String(t)}" is not one of ${topicMessageTypes.join(', ')}`);
    }
    out.add(t as TopicMessageType);
  }
  return topicMessageTypes.filter((t) => out.has(t));
}

export function checkTopicConfig(value: unknown, field: string): TopicConfig {
  const w = record(value, field);
  return {
    name: checkTopicName(w['name'], `${field}.name`),
    readQueueNums: integer(w['readQueueNums'], `${field}.readQueueNums`, 0, queueNumsMax),
    writeQueueNums: integer(w['writeQueueNums'], `${field}.writeQueueNums`, 0, queueNumsMax),
    perm: integer(w['perm'], `${field}.perm`, 0, 7),
    messageTypes: messageTypes(w['messageTypes'], `${field}.messageTypes`),
  };
}

function adminAddress(value: unknown, field: string): string {
  const s = text(value, field);
  if (s.length > hostCharsMax + 8) throw new InvalidFieldError(field, 'too long');
  if (s !== '' && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(s)) throw new InvalidFieldError(field, `"${s}" is not host:port`);
  return s;
}

function incarnation(value: unknown, field: string): string {
  const s = text(value, field);
  if (s.length > incarnationCharsMax) throw new InvalidFieldError(field, `longer than ${incarnationCharsMax} characters`);
  return s;
}

/** A RegisterBrokerRequest as decoded off the wire (or built by a broker) -> BrokerRegistration. */
export function checkRegistration(value: unknown): BrokerRegistration {
  const w = record(value, 'registration');
  const topicsWire = w['topics'] ?? [];
  if (!Array.isArray(topicsWire)) throw new InvalidFieldError('topics', 'not a list');
  if (topicsWire.length > topicsPerRegistrationMax) throw new InvalidFieldError('topics', `more than ${topicsPerRegistrationMax}`);
  const topics = topicsWire.map((t, i) => checkTopicConfig(t, `topics[${i}]`));
  const names = new Set<string>();
  for (const t of topics) {
    if (names.has(t.name)) throw new InvalidFieldError('topics', `topic "${t.name}" listed twice`);
    names.add(t.name);
  }
  return {
    clusterName: checkBrokerName(w['clusterName'], 'clusterName'),
    brokerName: checkBrokerName(w['brokerName'], 'brokerName'),
    brokerId: integer(w['brokerId'], 'brokerId', 1, uint32Max),
    nodeId: checkBrokerName(w['nodeId'], 'nodeId'),
    role: role(w['role'], 'role'),
    raftTerm: integer(w['raftTerm'] ?? 0, 'raftTerm', 0, Number.MAX_SAFE_INTEGER),
    v2Endpoint: checkHostPort(w['v2Endpoint'], 'v2Endpoint'),
    adminAddress: adminAddress(w['adminAddress'] ?? '', 'adminAddress'),
    topics,
    incarnation: incarnation(w['incarnation'] ?? '', 'incarnation'),
    sequence: integer(w['sequence'] ?? 0, 'sequence', 0, Number.MAX_SAFE_INTEGER),
    unreachableNodeIds: nodeIds(w['unreachableNodeIds'] ?? [], 'unreachableNodeIds'),
    voterIds: nodeIds(w['voterIds'] ?? [], 'voterIds'),
  };
}

/** A group has at most a handful of nodes; a long list is a bug on the sender's side. */
const nodeIdsMax = 64;

function nodeIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new InvalidFieldError(field, 'not a list');
  if (value.length > nodeIdsMax) throw new InvalidFieldError(field, `more than ${nodeIdsMax}`);
  return value.map((v, i) => checkBrokerName(v, `${field}[${i}]`));
}

export function checkNodeKey(value: unknown): NodeKey {
  const w = record(value, 'request');
  return {
    clusterName: checkBrokerName(w['clusterName'], 'clusterName'),
    brokerName: checkBrokerName(w['brokerName'], 'brokerName'),
    nodeId: checkBrokerName(w['nodeId'], 'nodeId'),
    incarnation: incarnation(w['incarnation'] ?? '', 'incarnation'),
  };
}
