// Namespaces (RocketMQ 5): a client configured with namespace NS sees topic T and group G,
// the broker stores them as NS%T and NS%G, so two namespaces never share a topic or group.
// The namespace comes from a resource's `resource_namespace` or, since most request bodies
// leave it empty, from the call's x-mq-namespace header.
//
// Requests are qualified once, on the node that runs the handler (a follower forwards the
// client's request unchanged and the leader qualifies it), so a name is never qualified twice.
// Responses are unqualified: names in the caller's namespace go back as (NS, T).
//
// Resources sit under the keys `topic`, `group` and `topics` of v2 messages (Message,
// MessageQueue, Subscription, Publishing, …); `broker` and other `name` fields are not
// resources and are left alone.

import { assert } from '../assert.ts';

export const namespaceSeparator = '%';
const resourceKeys = new Set(['topic', 'group', 'topics']);
/**
 * Fields no resource is ever under: a Message's properties and body. Not walking them keeps a
 * SendMessage of 64 messages from visiting every property object (2 % of a leader's CPU).
 */
const resourceFreeKeys = new Set(['system_properties', 'user_properties', 'body']);
/** v2 messages are shallow; a deeper walk means a cycle or a foreign object. */
const walkDepthMax = 16;

interface ResourceLike {
  name: string;
  resource_namespace?: string;
}

function isResource(v: unknown): v is ResourceLike {
  return typeof v === 'object' && v !== null && typeof (v as ResourceLike).name === 'string';
}

/** Retry and dead-letter topics keep their system prefix first: %DLQ%G in NS is %DLQ%NS%G. */
const systemPrefixes = ['%DLQ%', '%RETRY%'] as const;

/** NS%name, or name when there is no namespace. */
export function qualifiedName(namespace: string, name: string): string {
  if (namespace === '' || name === '') return name;
  const sys = systemPrefixes.find((p) => name.startsWith(p));
  if (sys !== undefined) return `${sys}${namespace}${namespaceSeparator}${name.slice(sys.length)}`;
  return `${namespace}${namespaceSeparator}${name}`;
}

/** The client's name of a stored name in `namespace`, or null when it is not in that namespace. */
export function unqualifiedName(namespace: string, stored: string): string | null {
  const sys = systemPrefixes.find((p) => stored.startsWith(p)) ?? '';
  const prefix = `${namespace}${namespaceSeparator}`;
  const rest = stored.slice(sys.length);
  return rest.startsWith(prefix) ? sys + rest.slice(prefix.length) : null;
}

/**
 * Rewrites every resource of `request` in place to its stored name. Answers the namespace the
 * response is to be unqualified with: the header's, else the first resource's ('' for none).
 */
export function qualifyRequest(request: unknown, headerNamespace: string): string {
  let seen = headerNamespace;
  walk(request, 0, (r) => {
    const ns = r.resource_namespace || headerNamespace;
    if (ns === '') return;
    r.name = qualifiedName(ns, r.name);
    r.resource_namespace = '';
    if (seen === '') seen = ns;
  });
  return seen;
}

/** Rewrites resources of `response` in `namespace` back to the client's view, in place. */
export function unqualifyResponse(response: unknown, namespace: string): void {
  if (namespace === '') return;
  walk(response, 0, (r) => {
    const name = unqualifiedName(namespace, r.name);
    if (name === null) return;
    r.name = name;
    r.resource_namespace = namespace;
  });
}

function walk(v: unknown, depth: number, onResource: (r: ResourceLike) => void): void {
  assert(depth <= walkDepthMax, 'v2 message nested deeper than any in the protocol');
  if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return;
  if (Array.isArray(v)) {
    for (const item of v) walk(item, depth + 1, onResource);
    return;
  }
  const obj = v as Record<string, unknown>;
  // for-in, not Object.entries: no array of pairs per object visited (11 % of what a leader
  // allocated under batched sends).
  for (const k in obj) {
    if (!Object.hasOwn(obj, k)) continue;
    const child = obj[k];
    if (resourceKeys.has(k)) {
      if (!Array.isArray(child)) {
        if (isResource(child)) onResource(child);
      } else for (const r of child) if (isResource(r)) onResource(r);
    }
    if (typeof child === 'object' && child !== null && !ArrayBuffer.isView(child) && !resourceFreeKeys.has(k)) walk(child, depth + 1, onResource);
  }
}
