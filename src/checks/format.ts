// How IDs read in messages: RIDs as bus:device.function, other IDs as hex.

export function bdf(rid: number): string {
  const bus = (rid >>> 8) & 0xff;
  const dev = (rid >>> 3) & 0x1f;
  const fn = rid & 7;
  return `${bus.toString(16).padStart(2, '0')}:${dev.toString(16).padStart(2, '0')}.${fn}`;
}

export function hex(v: number): string {
  return '0x' + v.toString(16);
}

/** A raw RID range in BDF form: `01:00.0-01:1f.7`, or one BDF. IDs above 0xffff in hex. */
export function ridRange([a, b]: [number, number]): string {
  const one = (v: number) => (v <= 0xffff ? bdf(v) : hex(v));
  return a === b ? one(a) : `${one(a)}-${one(b)}`;
}

/** Up to `max` ranges, then "and N more". */
export function ridList(ranges: Array<[number, number]>, max = 4): string {
  const shown = ranges.slice(0, max).map(ridRange).join(', ');
  return ranges.length > max ? `${shown} and ${ranges.length - max} more` : shown;
}

export function idRange(a: number, b: number): string {
  return a === b ? hex(a) : `${hex(a)}-${hex(b)}`;
}

export function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
