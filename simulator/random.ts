/**
 * Deterministic randomness for the simulated fleet. A device's profile comes from a generator seeded
 * with the fleet seed and its hostname, so the same seed always builds the same fleet. Events over time
 * (a container restart, a failed unit) come from `dice`, a hash of (device, what, when): whether
 * something happens in a time slot does not depend on how often, or whether, anyone looked.
 */

/** 32-bit FNV-1a: turns "seed + hostname" into a generator seed. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** MurmurHash3's finalizer: spreads every input bit over the whole word. */
function mix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A uniform number in [0, 1) that depends only on its arguments (integers). */
export function dice(seed: number, a: number, b = 0, c = 0): number {
  let h = mix(seed ^ Math.imul(a + 1, 0x9e3779b1));
  h = mix(h ^ Math.imul(b + 1, 0x85ebca77));
  h = mix(h ^ Math.imul(c + 1, 0x27d4eb2f));
  return h / 2 ** 32;
}

/** mulberry32: small, fast and good enough to pick models, names and sizes. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** Lowercase hex digits, e.g. container ids and config hashes. */
  hex(length: number): string {
    let out = '';
    while (out.length < length)
      out += Math.floor(this.next() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return out.slice(0, length);
  }

  /** Uppercase letters and digits, as drive serial numbers are. */
  serial(length: number): string {
    const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)];
    return out;
  }

  mac(prefix = '02:42'): string {
    const parts = prefix.split(':');
    while (parts.length < 6) parts.push(this.hex(2));
    return parts.join(':');
  }
}
