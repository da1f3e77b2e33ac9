import { describe, expect, it } from 'vitest';
import { StringMemo } from './string-memo.ts';

describe('StringMemo', () => {
  it('answers only for the exact bytes it remembered, within its slots and length bound', () => {
    const m = new StringMemo(2, 8);
    const buf = Buffer.from('xxTagAyyTagBzzTagC-long-name');
    expect(m.find(buf, 2, 4)).toBeNull();
    m.remember(buf, 2, 4, 'TagA');
    m.remember(buf, 8, 4, 'TagB');
    expect(m.find(Buffer.from('TagA'), 0, 4)).toBe('TagA');
    expect(m.find(Buffer.from('TagB'), 0, 4)).toBe('TagB');
    expect(m.find(Buffer.from('TagA'), 0, 3)).toBeNull(); // a prefix is another string
    m.remember(buf, 14, 4, 'TagC'); // replaces the oldest slot
    expect(m.find(Buffer.from('TagA'), 0, 4)).toBeNull();
    expect(m.find(Buffer.from('TagC'), 0, 4)).toBe('TagC');
    buf.write('QQQQ', 14); // the memo holds a copy, not a view
    expect(m.find(Buffer.from('TagC'), 0, 4)).toBe('TagC');
    m.remember(buf, 14, 14, 'long'); // longer than the bound: not remembered
    expect(m.find(buf, 14, 14)).toBeNull();
  });
});
