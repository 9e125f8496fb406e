// Sets of IDs as sorted inclusive ranges, and the blocks a mask cuts an ID range into: the
// arithmetic that lets coverage() work on intervals, never on one ID at a time.

/**
 * Splits raw IDs [lo, hi] into aligned blocks on which `id & mask` is either one value
 * (the low bits of the mask are all 0) or a contiguous run (all 1), calling `block` for each.
 */
export function maskBlocks(
  lo: number,
  hi: number,
  mask: number,
  block: (raw: number, size: number, masked: number, folded: boolean) => void,
): void {
  let raw = lo;
  while (raw <= hi) {
    let k = 0; // largest aligned power-of-two block starting at raw that fits
    while (k < 32 && raw % 2 ** (k + 1) === 0 && raw + 2 ** (k + 1) - 1 <= hi) k++;
    // shrink until the mask's low k bits are uniform
    for (;;) {
      const low = k === 32 ? 0xffffffff : 2 ** k - 1;
      const bits = (mask & low) >>> 0;
      if (bits === low || bits === 0) {
        block(raw, 2 ** k, (raw & mask) >>> 0, bits === 0 && k > 0);
        break;
      }
      k--;
    }
    raw += 2 ** k;
  }
}

/** Raw IDs of [lo, hi] whose masked value lies in [mlo, mhi], as merged ranges. */
export function preimage(lo: number, hi: number, mask: number, mlo: number, mhi: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  maskBlocks(lo, hi, mask, (raw, size, masked, folded) => {
    if (folded) {
      if (masked >= mlo && masked <= mhi) out.push([raw, raw + size - 1]);
      return;
    }
    const s = Math.max(masked, mlo);
    const t = Math.min(masked + size - 1, mhi);
    if (s <= t) out.push([raw + (s - masked), raw + (t - masked)]);
  });
  return mergeRanges(out);
}

/** The intersection of two sets of merged ranges. */
export function intersectRanges(a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [x, y] of a)
    for (const [u, v] of b) {
      const s = Math.max(x, u);
      const t = Math.min(y, v);
      if (s <= t) out.push([s, t]);
    }
  return mergeRanges(out);
}

/** Merges inclusive ranges into maximal sorted ranges. */
export function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
