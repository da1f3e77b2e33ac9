import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StoredIdFilter } from './stored-id-filter.ts';

describe('StoredIdFilter', () => {
  it('answers "maybe" for everything until the start-up scan is done', () => {
    const f = new StoredIdFilter(100, 4);
    expect(f.mightContain('never-added')).toBe(true);
    f.markWarm();
    expect(f.mightContain('never-added')).toBe(false);
  });

  it('never says "absent" for an added id (no false negatives), and rarely says "maybe" for others', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 300 }), (ids) => {
        const f = new StoredIdFilter(1_000, 4);
        f.markWarm();
        for (const id of ids) f.add(id);
        return ids.every((id) => f.mightContain(id));
      }),
    );
    const f = new StoredIdFilter(10_000, 2);
    f.markWarm();
    for (let i = 0; i < 10_000; i++) f.add(`01AC00112233${i.toString(16).padStart(8, '0')}`);
    let maybes = 0;
    for (let i = 0; i < 10_000; i++) if (f.mightContain(`01AC00445566${i.toString(16).padStart(8, '0')}`)) maybes++;
    // Designed for about 1 %; a broken hash (correlated probes) gives far more.
    expect(maybes).toBeLessThan(300);
  });

  it('drops the oldest generation once the window is full: an id stays for at least (generations - 1) x capacity later ids', () => {
    const f = new StoredIdFilter(10, 3);
    f.markWarm();
    f.add('old');
    for (let i = 0; i < 29; i++) f.add(`later-${i}`); // fills generations 1..3 (30 ids)
    expect(f.mightContain('old')).toBe(true);
    f.add('one-more'); // opens a fourth generation: the first (with 'old') goes
    expect(f.size()).toBe(21);
    // Generation 1 held 'old' and later-0..8; later-9..28 and 'one-more' are still held.
    for (let i = 9; i < 29; i++) expect(f.mightContain(`later-${i}`)).toBe(true);
    expect(f.mightContain('one-more')).toBe(true);
  });

  it('stays cold when the start-up scan finds more ids than it can hold', () => {
    const f = new StoredIdFilter(10, 2);
    for (let i = 0; i < 25; i++) f.add(`scanned-${i}`);
    f.markWarm();
    expect(f.isWarm()).toBe(false);
    expect(f.mightContain('anything')).toBe(true);
  });
});
