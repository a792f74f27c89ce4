// Reproducible randomness for the soak: the same seed gives the same kill points, so a fault found
// once can be replayed with SOAK_SEED=<seed>.

/** A fresh printable seed, for runs that were not given one. */
export function newSeed(): string {
  return Math.floor(Math.random() * 0xffffffff).toString(36);
}

/** A generator of floats in [0, 1) from a string seed (FNV-1a into mulberry32: small, fast, good enough). */
export function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let state = h;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
