import { describe, expect, it } from 'vitest';
import { Reassembler, splitChunks } from './reassembler.ts';
import { MalformedFrameError } from './errors.ts';

describe('Reassembler', () => {
  it('passes a single frame through without copying', () => {
    const r = new Reassembler(100);
    const data = Buffer.from('abc');
    expect(r.push(data, false)).toBe(data);
  });

  it('joins chunks split by splitChunks', () => {
    const whole = Buffer.from(Array.from({ length: 95 }, (_, i) => i));
    const chunks = splitChunks(whole, 10);
    expect(chunks).toHaveLength(10);
    const r = new Reassembler(100);
    let out: Buffer | null = null;
    chunks.forEach((c, i) => {
      out = r.push(c, i < chunks.length - 1);
      if (i < chunks.length - 1) expect(out).toBeNull();
    });
    expect(out!.equals(whole)).toBe(true);
    expect(r.pendingBytes).toBe(0);
  });

  it('refuses a batch over the bound and starts afresh', () => {
    const r = new Reassembler(15);
    expect(r.push(Buffer.alloc(10), true)).toBeNull();
    expect(() => r.push(Buffer.alloc(10), true)).toThrow(MalformedFrameError);
    expect(r.pendingBytes).toBe(0);
    expect(r.push(Buffer.alloc(5), false)?.length).toBe(5);
  });

  it('refuses an empty intermediate chunk', () => {
    expect(() => new Reassembler(10).push(Buffer.alloc(0), true)).toThrow(MalformedFrameError);
  });
});
