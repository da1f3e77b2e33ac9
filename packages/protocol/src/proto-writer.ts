// A protobuf encoder compiled from the loaded descriptors, for the v2 responses on the hot path
// (a delivered message, a send result). proto-loader serializes by Type.fromObject, which builds
// a second object graph of every response, then Type.encode: about 10 us per delivered 1 KiB
// message on this project's 2-core machine, the largest cost of a receive on the leader. This
// writer walks the plain response object once and writes the wire bytes straight into a shared
// slab.
//
// It accepts the same plain-object shape proto-loader's serializer accepts (v2LoaderOptions):
// a field is written when its value is neither undefined nor null (as protobufjs encodes a
// fromObject result); int64 as a decimal string, a number or a bigint; enums as numbers; bytes
// as a Buffer or Uint8Array; maps as plain objects; unknown properties are ignored. A value it
// does not take (an enum by name, a Long object, base64 text for bytes, ...) throws
// UnsupportedValueError, and the caller falls back to the loader's serializer, so this writer
// never decides what a response means: it only writes it faster.

import { assert } from './assert.ts';

/** A value this writer does not encode; the caller uses proto-loader's serializer instead. */
export class UnsupportedValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedValueError';
  }
}

/** A DescriptorProto as proto-loader exposes it (`packageDefinition[name].type`). */
export interface DescriptorLike {
  readonly name: string;
  readonly field: readonly FieldDescriptorLike[];
  readonly nestedType?: readonly DescriptorLike[];
  readonly options?: { readonly mapEntry?: boolean } | null;
}

export interface FieldDescriptorLike {
  readonly name: string;
  readonly number: number;
  readonly label: string;
  readonly type: string;
  readonly typeName: string;
}

/** Finds a message type's descriptor by the name a field refers to it with. */
export type DescriptorLookup = (typeName: string, within: DescriptorLike) => DescriptorLike | undefined;

const Kind = { String: 0, Bytes: 1, Int32: 2, Int64: 3, Uint32: 4, Uint64: 5, Bool: 6, Enum: 7, Message: 8, Map: 9 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const scalarKinds: Readonly<Record<string, Kind>> = {
  TYPE_STRING: Kind.String,
  TYPE_BYTES: Kind.Bytes,
  TYPE_INT32: Kind.Int32,
  TYPE_INT64: Kind.Int64,
  TYPE_UINT32: Kind.Uint32,
  TYPE_UINT64: Kind.Uint64,
  TYPE_BOOL: Kind.Bool,
  TYPE_ENUM: Kind.Enum,
};

const WireType = { Varint: 0, LengthDelimited: 2 } as const;

interface FieldPlan {
  readonly name: string;
  readonly kind: Kind;
  readonly repeated: boolean;
  /** The field's tag with its wire type, as a varint value. */
  readonly tag: number;
  /** Message fields: the nested plan. Map fields: the entry's plan (key = 1, value = 2). */
  sub: MessagePlan | null;
  /** Map fields: the kind of the entry's key (object keys are strings; the wire wants this). */
  readonly keyKind: Kind | null;
}

/** Writes one message's fields (generated per type: see compileWriter). */
type WriteFields = (w: SlabWriter, obj: Record<string, unknown>, depth: number) => void;

export interface MessagePlan {
  readonly typeName: string;
  readonly fields: FieldPlan[];
  write: WriteFields;
}

/** Nesting deeper than this is refused (a cycle in hand-made input, or a runaway object). */
const depthMax = 32;
/** Longest varint the writer reserves for a nested message's length (lengths below 2^35). */
const lengthReserveBytes = 5;
/** Messages are written into shared slabs of this size (a bigger message gets a slab of its own). */
const slabBytes = 64 * 1024;
/** Strings up to this many UTF-16 units try the inline ASCII copy before the native UTF-8 one. */
const inlineStringUnitsMax = 127;

/**
 * Compiles a writer plan for a message type and every type it contains. Throws when a field
 * has a type the writer does not encode (floating point, fixed-width, zigzag, groups).
 */
export function compileMessagePlan(root: DescriptorLike, lookup: DescriptorLookup): MessagePlan {
  const plans = new Map<DescriptorLike, MessagePlan>();
  const compile = (d: DescriptorLike): MessagePlan => {
    const known = plans.get(d);
    if (known !== undefined) return known;
    const plan: MessagePlan = { typeName: d.name, fields: [], write: () => assert(false, `${d.name}: writer used before it was compiled`) };
    plans.set(d, plan); // before the fields: recursive types refer to the plan being built
    for (const f of d.field) {
      assert(Number.isInteger(f.number) && f.number >= 1 && f.number < 2 ** 29, `${d.name}.${f.name}: bad field number ${f.number}`);
      assert(/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name) && f.name !== '__proto__', `${d.name}: field name ${JSON.stringify(f.name)} is not a plain identifier`);
      const repeated = f.label === 'LABEL_REPEATED';
      if (f.type === 'TYPE_MESSAGE') {
        const sub = lookup(f.typeName, d);
        if (sub === undefined) throw new Error(`${d.name}.${f.name}: type ${f.typeName} not found`);
        const isMap = repeated && sub.options?.mapEntry === true;
        const keyKind = isMap ? scalarKinds[sub.field.find((k) => k.name === 'key')?.type ?? ''] : undefined;
        if (isMap && keyKind === undefined) throw new Error(`${d.name}.${f.name}: map entry ${sub.name} has no scalar key`);
        const field: FieldPlan = { name: f.name, kind: isMap ? Kind.Map : Kind.Message, repeated: repeated && !isMap, tag: f.number * 8 + WireType.LengthDelimited, sub: null, keyKind: keyKind ?? null };
        plan.fields.push(field);
        field.sub = compile(sub);
        continue;
      }
      const kind = scalarKinds[f.type];
      if (kind === undefined) throw new Error(`${d.name}.${f.name}: field type ${f.type} is not supported by the writer`);
      const lengthDelimited = kind === Kind.String || kind === Kind.Bytes || (repeated && isNumeric(kind));
      plan.fields.push({ name: f.name, kind, repeated, tag: f.number * 8 + (lengthDelimited ? WireType.LengthDelimited : WireType.Varint), sub: null, keyKind: null });
    }
    return plan;
  };
  const rootPlan = compile(root);
  for (const plan of plans.values()) plan.write = compileWriter(plan);
  return rootPlan;
}

/**
 * Generates the plan's field writer. Generated, not a loop over the plan, so that every field is
 * read as a named property (`obj.tag`): a loop's `obj[name]` is a megamorphic keyed load, and
 * those loads were most of the cost. Names are checked identifiers (compileMessagePlan); the
 * generated code only calls the writer's methods.
 */
function compileWriter(plan: MessagePlan): WriteFields {
  const subs = plan.fields.map((f) => f.sub);
  const lines = plan.fields.map((f, i) => `v = obj.${f.name}; if (v !== undefined && v !== null) ${fieldStatement(f, i)}`);
  const body = `let v;\n${lines.join('\n')}`;
  const make = new Function('subs', `return function write_${plan.typeName.replace(/\W/g, '_')}(w, obj, depth) {\n${body}\n};`) as (subs: (MessagePlan | null)[]) => WriteFields;
  return make(subs);
}

function fieldStatement(f: FieldPlan, i: number): string {
  const name = JSON.stringify(f.name);
  if (f.kind === Kind.Map) return `w.map(${f.tag}, subs[${i}], ${f.keyKind}, v, depth, ${name});`;
  if (!f.repeated) return `{ w.varint(${f.tag}); ${valueStatement(f, i, 'v')} }`;
  if (isNumeric(f.kind)) return `w.packed(${f.tag}, ${f.kind}, v, ${name});`;
  return `{ w.array(v, ${name}); for (let j = 0; j < v.length; j++) { w.varint(${f.tag}); ${valueStatement(f, i, 'v[j]')} } }`;
}

function valueStatement(f: FieldPlan, i: number, v: string): string {
  const name = JSON.stringify(f.name);
  if (f.kind === Kind.String) return `w.string(${v}, ${name});`;
  if (f.kind === Kind.Bytes) return `w.bytes(${v}, ${name});`;
  if (f.kind === Kind.Message) return `w.message(subs[${i}], ${v}, depth, ${name});`;
  return `w.scalar(${f.kind}, ${v}, ${name});`;
}

function isNumeric(kind: Kind): boolean {
  return kind !== Kind.String && kind !== Kind.Bytes && kind !== Kind.Message && kind !== Kind.Map;
}

/**
 * Encodes `value` by `plan`: a slice of the shared slab holding exactly its bytes (never written
 * again: later messages go after it or to a new slab). Throws UnsupportedValueError for a value
 * shape it does not take (see the file comment).
 */
export function writeMessage(plan: MessagePlan, value: unknown): Buffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UnsupportedValueError(`${plan.typeName}: object expected`);
  const w = slabWriter;
  w.begin = w.at;
  try {
    plan.write(w, value as Record<string, unknown>, 0);
  } catch (err) {
    w.at = w.begin; // the slab's unused tail stays usable
    throw err;
  }
  return w.buf.subarray(w.begin, w.at);
}

/**
 * Writes each message straight into a shared slab and hands out the slice it took: no copy and
 * no allocation per message (a pooled 1 KiB Buffer costs more than the encoding). A message that
 * does not fit moves, with what it has written so far, to a new slab. Positions held across
 * calls (open/close) are relative to `begin`, so they survive that move. One per process:
 * encoding is synchronous. Its public methods are what generated writers call.
 */
class SlabWriter {
  buf = Buffer.allocUnsafe(slabBytes);
  /** Where the message being written starts in `buf`. */
  begin = 0;
  at = 0;

  message(plan: MessagePlan, v: unknown, depth: number, name: string): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UnsupportedValueError(`${name}: object expected`);
    if (depth >= depthMax) throw new UnsupportedValueError(`${plan.typeName}: nested deeper than ${depthMax}`);
    const start = this.open();
    plan.write(this, v as Record<string, unknown>, depth + 1);
    this.close(start);
  }

  map(tag: number, entry: MessagePlan, keyKind: Kind, v: unknown, depth: number, name: string): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof Map) throw new UnsupportedValueError(`${name}: plain object expected for a map`);
    for (const key of Object.keys(v)) {
      this.varint(tag);
      this.message(entry, { key: mapKey(keyKind, key), value: (v as Record<string, unknown>)[key] }, depth, name);
    }
  }

  array(v: unknown, name: string): void {
    if (!Array.isArray(v)) throw new UnsupportedValueError(`${name}: array expected`);
  }

  packed(tag: number, kind: Kind, values: unknown, name: string): void {
    this.array(values, name);
    const vs = values as readonly unknown[];
    if (vs.length === 0) return;
    this.varint(tag);
    const start = this.open();
    for (const v of vs) this.scalar(kind, v, name);
    this.close(start);
  }

  /** Varint-encoded scalars (int32/64, uint32/64, bool, enum). */
  scalar(kind: Kind, v: unknown, name: string): void {
    switch (kind) {
      case Kind.Bool:
        if (typeof v !== 'boolean') throw new UnsupportedValueError(`${name}: boolean expected`);
        this.varint(v ? 1 : 0);
        return;
      case Kind.Int32:
      case Kind.Enum:
        if (typeof v !== 'number' || !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new UnsupportedValueError(`${name}: int32 expected`);
        if (v >= 0) this.varint(v);
        else this.bigVarint(BigInt.asUintN(64, BigInt(v))); // sign-extended to 64 bits, as protobuf says
        return;
      case Kind.Uint32:
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** 32) throw new UnsupportedValueError(`${name}: uint32 expected`);
        this.varint(v);
        return;
      case Kind.Int64:
      case Kind.Uint64:
        this.int64(kind === Kind.Uint64, v, name);
        return;
      default:
        throw new UnsupportedValueError(`${name}: not a varint field`);
    }
  }

  string(s: unknown, name: string): void {
    if (typeof s !== 'string') throw new UnsupportedValueError(`${name}: string expected`);
    const units = s.length;
    if (units <= inlineStringUnitsMax && this.asciiInline(s, units)) return;
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.reserve(bytes);
    this.at += this.buf.write(s, this.at, bytes, 'utf8');
  }

  bytes(b: unknown, name: string): void {
    if (!(b instanceof Uint8Array)) throw new UnsupportedValueError(`${name}: bytes expected`);
    this.varint(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  varint(n: number): void {
    this.reserve(10);
    const buf = this.buf;
    let at = this.at;
    while (n >= 0x80) {
      buf[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[at++] = n;
    this.at = at;
  }

  /** A short ASCII string copied by hand (a native call costs more); false, writing nothing, when it is not ASCII. */
  private asciiInline(s: string, units: number): boolean {
    this.reserve(units + 1);
    const buf = this.buf;
    let at = this.at + 1;
    for (let i = 0; i < units; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at++] = c;
    }
    buf[this.at] = units; // one length byte: units <= 127
    this.at = at;
    return true;
  }

  private int64(unsigned: boolean, v: unknown, name: string): void {
    let n: number | bigint;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = v;
    else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) n = v.length <= 15 ? Number(v) : BigInt(v);
    else throw new UnsupportedValueError(`${name}: int64 expected as a decimal string, number or bigint`);
    if (typeof n === 'number') {
      if (!Number.isSafeInteger(n)) throw new UnsupportedValueError(`${name}: ${n} is not a safe integer`);
      if (n >= 0) return this.varint(n);
      n = BigInt(n);
    }
    if (unsigned ? n < 0n || n >= 2n ** 64n : n < -(2n ** 63n) || n >= 2n ** 63n) throw new UnsupportedValueError(`${name}: ${n} out of range`);
    this.bigVarint(BigInt.asUintN(64, n));
  }

  /** Starts a length-delimited body: reserves the longest length; close() fills it in. */
  private open(): number {
    this.reserve(lengthReserveBytes);
    this.at += lengthReserveBytes;
    return this.at - this.begin;
  }

  /** Writes the body's length before it and closes the gap the reservation left. */
  private close(startFromBegin: number): void {
    const start = this.begin + startFromBegin;
    const length = this.at - start;
    if (length >= 2 ** 35) throw new UnsupportedValueError(`a nested message of ${length} bytes`);
    // The reservation holds the length's varint: no reserve() here (growing would copy only up
    // to `at` and lose the body).
    const buf = this.buf;
    let at = start - lengthReserveBytes;
    let n = length;
    while (n >= 0x80) {
      buf[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[at++] = n;
    this.at = at;
    if (at < start) this.buf.copyWithin(this.at, start, start + length);
    this.at += length;
  }

  private bigVarint(n: bigint): void {
    this.reserve(10);
    while (n >= 0x80n) {
      this.buf[this.at++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.at++] = Number(n);
  }

  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const written = this.at - this.begin;
    const next = Buffer.allocUnsafe(Math.max(slabBytes, 2 * (written + bytes)));
    this.buf.copy(next, 0, this.begin, this.at);
    this.buf = next;
    this.begin = 0;
    this.at = written;
  }
}

const slabWriter = new SlabWriter();

/** Object keys are strings; a map with numeric or boolean keys needs them as numbers again. */
function mapKey(keyKind: Kind, key: string): unknown {
  if (keyKind === Kind.String) return key;
  if (keyKind === Kind.Bool) return key === 'true';
  if (keyKind === Kind.Int64 || keyKind === Kind.Uint64) return key;
  const n = Number(key);
  if (!Number.isInteger(n)) throw new UnsupportedValueError(`map key ${key} is not an integer`);
  return n;
}
