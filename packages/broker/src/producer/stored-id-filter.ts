// Which client message ids might already be stored here: a chain of Bloom filters fed with
// every applied message (on every node, so a new leader has them) and, after a restart, with
// every id in the store's index. "Absent" is certain, so a send whose id is absent skips the
// index look-up (a LevelDB iterator per send, the most expensive step of a send); "maybe"
// falls back to that look-up, which stays authoritative.
//
// Window: generations of `generationIdsMax` ids; when `generationsMax` are full the oldest is
// dropped, so an id is de-duplicated for at least the next (generationsMax - 1) *
// generationIdsMax stored ids. Until the start-up scan has covered the index the filter is
// cold and answers "maybe" for everything; a store with more ids than the filter can hold
// keeps it cold (every send is looked up: correct, slower).

import { assert } from '../assert.ts';

export const bloomBitsPerId = 10; // about 1 % false positives with 7 probes in 512-bit blocks
export const bloomProbes = 7;
/**
 * Every probe of an id falls in one block of 512 bits (64 bytes, a cache line): one memory
 * miss per id and generation instead of one per probe, for slightly more false positives than
 * an unblocked filter of the same size (about 1.1 % against 0.8 %).
 */
const blockBits = 512;
const blockWords = blockBits / 32;
const twoTo32 = 2 ** 32;

class BloomGeneration {
  private readonly words: Uint32Array;
  private readonly blocks: number;
  count = 0;

  constructor(readonly capacity: number) {
    assert(Number.isInteger(capacity) && capacity >= 1, `capacity ${capacity}`);
    this.blocks = Math.ceil((capacity * bloomBitsPerId) / blockBits);
    this.words = new Uint32Array(this.blocks * blockWords);
  }

  add(h1: number, h2: number): void {
    const base = this.blockOf(h1);
    // Double hashing inside the block: an odd step visits distinct bits of the 512.
    const step = (h2 >>> 9) | 1;
    for (let i = 0; i < bloomProbes; i++) {
      const bit = (h2 + i * step) & (blockBits - 1);
      this.words[base + (bit >>> 5)]! |= 1 << (bit & 31);
    }
    this.count += 1;
  }

  has(h1: number, h2: number): boolean {
    const base = this.blockOf(h1);
    const step = (h2 >>> 9) | 1;
    for (let i = 0; i < bloomProbes; i++) {
      const bit = (h2 + i * step) & (blockBits - 1);
      if ((this.words[base + (bit >>> 5)]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  /** First word of the block for h1 (multiply-shift: no division, uniform over the blocks). */
  private blockOf(h1: number): number {
    return Math.floor((h1 * this.blocks) / twoTo32) * blockWords;
  }
}

// The two hashes of the last hashId() call: module state, so hashing an id allocates nothing.
let hashA = 0;
let hashB = 0;

/** Two independent 32-bit hashes of a string (FNV-1a and a murmur3-finalised multiply-xor), into hashA and hashB. */
function hashId(id: string): void {
  let a = 0x811c9dc5;
  let b = 0x27d4eb2f;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  b ^= b >>> 13;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  hashA = a >>> 0;
  hashB = b >>> 0;
}

export class StoredIdFilter {
  private readonly generations: BloomGeneration[] = [];
  private warm = false;
  private overflowed = false;

  constructor(
    readonly generationIdsMax = 1_000_000,
    readonly generationsMax = 16,
  ) {
    assert(generationsMax >= 2, 'the window needs at least two generations');
    this.generations.push(new BloomGeneration(generationIdsMax));
  }

  /** Every id stored on this node, as it is applied (and every id the start-up scan finds). */
  add(id: string): void {
    let g = this.generations[this.generations.length - 1]!;
    if (g.count >= g.capacity) {
      if (!this.warm && this.generations.length >= this.generationsMax) {
        // The scan found more than the filter holds: dropping any would lose an id of unknown age.
        this.overflowed = true;
        return;
      }
      if (this.generations.length >= this.generationsMax) this.generations.shift();
      g = new BloomGeneration(this.generationIdsMax);
      this.generations.push(g);
    }
    hashId(id);
    g.add(hashA, hashB);
  }

  /** The start-up scan has added every id that was in the index before this process applied any. */
  markWarm(): void {
    if (!this.overflowed) this.warm = true;
  }

  isWarm(): boolean {
    return this.warm;
  }

  /** False only when `id` is certainly not stored (within the window). */
  mightContain(id: string): boolean {
    if (!this.warm) return true;
    hashId(id);
    for (const g of this.generations) if (g.has(hashA, hashB)) return true;
    return false;
  }

  /** Ids the filter holds, all generations (for status and tests). */
  size(): number {
    return this.generations.reduce((n, g) => n + g.count, 0);
  }
}
