// The core on a table it was not written for: an ACPI-like root complex -> SMMU -> ITS walk with
// IORT's inclusive count-minus-one rows and provisional last ID, built here and nowhere in src/.
// lookup() and coverage() against a per-ID transcription of iort_node_map_id() and iort_id_map()
// (drivers/acpi/arm64/iort.c), on a table worked out by hand and on random ones.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { coverage, lookup, rowRange, type Provisional, type Row, type Table } from '../../src/core/index.js';

/** An IORT node: an ITS ends the walk; a root complex or SMMU has ID mappings. */
interface IortNode {
  name: string;
  mappings?: Mapping[];
  /** Raw IDs are ANDed with this before the node's mappings (IORT has none: a generic table may). */
  mask?: number;
  /** A root complex or named component: SINGLE mappings apply (on other types they are skipped). */
  singleOk?: boolean;
}

/** struct acpi_iort_id_mapping: IDs input_base..input_base + id_count go to output_base.. on `ref`. */
interface Mapping {
  inputBase: number;
  count: number;
  outputBase: number;
  ref: IortNode;
  /** ACPI_IORT_ID_SINGLE_MAPPING. */
  single?: boolean;
}

type IortRow = Row<IortNode> & { name: string };

const FW_BUG = 'ACPI: IORT: [Firmware Bug]: ';

// ---- the brute force: iort_node_map_id() one ID at a time, straight from the kernel ----------

interface Walked {
  node: string | null;
  id: number;
  /** Every node the walk entered with the ID it carried there (the last is `node` on success). */
  path: Array<[string, number]>;
  /** Index of the mapping the last translation used. */
  mapping: number | null;
  log: string | null;
}

const ENXIO = -6;
const skipped = (name: string) => `${FW_BUG}[map ${name}] SINGLE MAPPING flag not allowed, skipping ID map`;
const EAGAIN = -11;

/** iort_id_map(): 0 and the output, -ENXIO, or -EAGAIN with the output (the range's last ID). */
function idMap(
  map: Mapping,
  name: string,
  singleOk: boolean,
  ridIn: number,
  checkOverlap: boolean,
  log: string[],
): [number, number] {
  if (map.single) {
    if (singleOk) return [0, map.outputBase];
    log.push(skipped(name));
    return [ENXIO, 0];
  }
  const end = (map.inputBase + map.count) >>> 0;
  if (ridIn < map.inputBase || ridIn > end) return [ENXIO, 0];
  if (checkOverlap) {
    log.push(`${FW_BUG}[map ${name}] conflicting mapping for input ID 0x${ridIn.toString(16)}`);
    if (ridIn !== map.inputBase) return [ENXIO, 0];
    log.push(`${FW_BUG}applying workaround.`);
  }
  const out = (map.outputBase + (ridIn - map.inputBase)) >>> 0;
  if (map.count > 0 && ridIn === end) return [EAGAIN, out];
  return [0, out];
}

function bruteWalk(start: IortNode, idIn: number): Walked {
  const log: string[] = [];
  const path: Array<[string, number]> = [];
  let node: IortNode | undefined = start;
  let id = idIn >>> 0;
  let mapping: number | null = null;
  let first = true;
  while (node) {
    if (!first) path.push([node.name, id]);
    first = false;
    if (!node.mappings) return { node: node.name, id, path, mapping, log: log.length ? log.join('\n') : null };
    const maps: Mapping[] = node.mappings;
    if (!maps.length) break; // fail_map
    const mapId = (id & (node.mask ?? 0xffffffff)) >>> 0;
    let outRef: IortNode | undefined;
    let outIndex = -1;
    let rc = 0;
    let i = 0;
    for (; i < maps.length; i++) {
      const [r, out] = idMap(maps[i]!, `${node.name}#${i}`, !!node.singleOk, mapId, outRef !== undefined, log);
      rc = r;
      if (r === 0 || r === EAGAIN) id = out;
      if (r === 0) break;
      if (r === EAGAIN) {
        outRef = maps[i]!.ref;
        outIndex = i;
      }
    }
    if (i === maps.length && !outRef) break;
    mapping = rc ? outIndex : i;
    node = rc ? outRef : maps[i]!.ref;
  }
  // fail_map: the input ID unchanged, no node
  return { node: null, id: idIn >>> 0, path, mapping: null, log: log.length ? log.join('\n') : null };
}

// ---- the same nodes as core tables -----------------------------------------------------------

const provisional: Provisional<IortRow> = {
  conflict: (row, id) => `${FW_BUG}[map ${row.name}] conflicting mapping for input ID 0x${id.toString(16)}`,
  workaround: `${FW_BUG}applying workaround.`,
};

function tables(): (n: IortNode) => Table<IortNode, IortRow> | undefined {
  const made = new Map<IortNode, Table<IortNode, IortRow>>();
  const tableOf = (n: IortNode): Table<IortNode, IortRow> | undefined => {
    if (!n.mappings) return undefined; // an ITS: the walk ends there
    let t = made.get(n);
    if (!t) {
      t = {
        rows: n.mappings.map((m, index) => ({
          index,
          name: `${n.name}#${index}`,
          range: !m.single ? rowRange(m.inputBase, m.count, 'inclusive') : n.singleOk ? [0, 0xffffffff] : null,
          base: m.inputBase,
          target: m.ref,
          out: [m.outputBase],
          ...(m.single && (n.singleOk ? { single: true } : { note: skipped(`${n.name}#${index}`) })),
        })),
        mask: n.mask ?? 0xffffffff,
        miss: { bypass: () => null }, // fail_map logs nothing
        provisional,
        next: tableOf,
      };
      made.set(n, t);
    }
    return t;
  };
  return tableOf;
}

/** What the core says for one ID, in the brute force's terms. */
function viaCore(t: Table<IortNode, IortRow>, id: number): Walked {
  const r = lookup(t, id);
  const path = r.via.map((h) => [h.target.name, h.idFirst] as [string, number]);
  if (r.status === 'translated') path.push([r.target.name, r.id!]);
  return {
    node: r.status === 'translated' ? r.target.name : null,
    id: r.id!,
    path,
    mapping: r.status === 'translated' ? r.entry.index : null,
    log: r.log,
  };
}

/** Every ID of [lo, hi] through coverage(), checked against the brute force one at a time. */
function checkCoverage(rc: IortNode, t: Table<IortNode, IortRow>, lo: number, hi: number): void {
  const segs = coverage(t, lo, hi).segments;
  expect(segs[0]!.first).toBe(lo);
  expect(segs[segs.length - 1]!.last).toBe(hi);
  for (let k = 1; k < segs.length; k++) expect(segs[k]!.first).toBe(segs[k - 1]!.last + 1);
  for (const s of segs) {
    for (let id = s.first; id <= s.last; id++) {
      const want = bruteWalk(rc, id);
      const hops = want.path.slice(0, s.status === 'translated' ? -1 : undefined).map(([n]) => n);
      expect({
        status: s.status,
        node: s.status === 'translated' ? s.target.name : null,
        mapping: s.status === 'translated' ? s.entry.index : null,
        hops: s.via.map((h) => h.target.name),
        log: s.log,
      }).toEqual({
        status: want.node ? 'translated' : 'bypass',
        node: want.node,
        mapping: want.mapping,
        hops,
        log: want.log,
      });
    }
    // the ends' IDs, at the last stage and at each hop
    for (const [id, pick] of [
      [s.first, (x: { idFirst: number | undefined }) => x.idFirst],
      [s.last, (x: { idLast: number | undefined }) => x.idLast],
    ] as const) {
      const want = bruteWalk(rc, id);
      expect(pick(s)).toBe(want.id);
      expect(s.via.map(pick)).toEqual(want.path.slice(0, s.via.length).map(([, x]) => x));
    }
  }
}

// ---- a table worked out by hand ---------------------------------------------------------------

const its0: IortNode = { name: 'its0' };
const its1: IortNode = { name: 'its1' };
// SMMU A: 0x100-0x1ff, 0x1ff-0x23e, 0x200-0x23f (count = IDs - 1); nothing above 0x23f
const smmuA: IortNode = {
  name: 'smmuA',
  mappings: [
    { inputBase: 0x100, count: 0xff, outputBase: 0x1000, ref: its0 },
    { inputBase: 0x1ff, count: 0x3f, outputBase: 0x2000, ref: its0 },
    { inputBase: 0x200, count: 0x3f, outputBase: 0x3000, ref: its1 },
  ],
};
// SMMU B: 0x0-0x3f only
const smmuB: IortNode = { name: 'smmuB', mappings: [{ inputBase: 0x0, count: 0x3f, outputBase: 0x0, ref: its1 }] };
// Root complex: 0x0-0x1ff to SMMU A at 0x100, 0x1ff-0x2fe to SMMU B at 0, 0x400 straight to its0
const rc: IortNode = {
  name: 'rc',
  mappings: [
    { inputBase: 0x0, count: 0x1ff, outputBase: 0x100, ref: smmuA },
    { inputBase: 0x1ff, count: 0xff, outputBase: 0x0, ref: smmuB },
    { inputBase: 0x400, count: 0, outputBase: 0x9000, ref: its0 },
  ],
};

describe('root complex -> SMMU -> ITS, by hand', () => {
  const t = tables()(rc)!;
  const conflict = (map: string, id: number) =>
    `${FW_BUG}[map ${map}] conflicting mapping for input ID 0x${id.toString(16)}`;
  const workaround = `${FW_BUG}applying workaround.`;

  it('walks both stages and keeps the hop', () => {
    expect(lookup(t, 0x5)).toMatchObject({ status: 'translated', target: its0, id: 0x1005, log: null });
    expect(lookup(t, 0x5).via).toEqual([{ entry: t.rows[0], target: smmuA, idFirst: 0x105, idLast: 0x105 }]);
    expect(lookup(t, 0x200)).toMatchObject({ status: 'translated', target: its1, id: 0x1 });
    expect(lookup(t, 0x400)).toMatchObject({ status: 'translated', target: its0, id: 0x9000, via: [] });
  });

  it('a row whose first ID is the provisional last ID of an earlier one supersedes it', () => {
    // SMMU A: 0x1ff is A#0's last ID and A#1's first
    expect(lookup(t, 0xff)).toMatchObject({
      target: its0,
      id: 0x2000,
      log: `${conflict('smmuA#1', 0x1ff)}\n${workaround}`,
    });
    // root complex: 0x1ff is rc#0's last ID and rc#1's first: SMMU B, not A
    expect(lookup(t, 0x1ff)).toMatchObject({ target: its1, id: 0x0, log: `${conflict('rc#1', 0x1ff)}\n${workaround}` });
  });

  it('a later row that holds the ID elsewhere than at its first is ignored; the provisional match stands', () => {
    expect(lookup(t, 0x13e)).toMatchObject({ target: its0, id: 0x203f, log: conflict('smmuA#2', 0x23e) });
    expect(lookup(t, 0x13f)).toMatchObject({ target: its1, id: 0x303f, log: null }); // A#2's last, nothing after
  });

  it('a miss at either stage passes the input ID on', () => {
    expect(lookup(t, 0x140)).toMatchObject({ status: 'bypass', id: 0x140, via: [{ target: smmuA, idFirst: 0x240 }] });
    expect(lookup(t, 0x250)).toMatchObject({ status: 'bypass', id: 0x250, via: [{ target: smmuB, idFirst: 0x51 }] });
    expect(lookup(t, 0x2fe)).toMatchObject({ status: 'bypass', id: 0x2fe, via: [{ target: smmuB, idFirst: 0xff }] });
    expect(lookup(t, 0x300)).toMatchObject({ status: 'bypass', id: 0x300, via: [] });
  });

  it('coverage: the provisional IDs split out, segments mapped back onto the input IDs', () => {
    const brief = coverage(t, 0, 0x401).segments.map((s) => [
      s.first,
      s.last,
      s.status,
      s.target?.name ?? null,
      s.idFirst ?? null,
      s.idLast ?? null,
      s.via.map((h) => `${h.target.name} ${h.idFirst}-${h.idLast}`).join(','),
    ]);
    expect(brief).toEqual([
      [0x0, 0xfe, 'translated', 'its0', 0x1000, 0x10fe, 'smmuA 256-510'],
      [0xff, 0xff, 'translated', 'its0', 0x2000, 0x2000, 'smmuA 511-511'],
      [0x100, 0x13d, 'translated', 'its0', 0x2001, 0x203e, 'smmuA 512-573'],
      [0x13e, 0x13e, 'translated', 'its0', 0x203f, 0x203f, 'smmuA 574-574'],
      [0x13f, 0x13f, 'translated', 'its1', 0x303f, 0x303f, 'smmuA 575-575'],
      [0x140, 0x1fe, 'bypass', null, 0x140, 0x1fe, 'smmuA 576-766'],
      [0x1ff, 0x1ff, 'translated', 'its1', 0x0, 0x0, 'smmuB 0-0'], // its own log: rc#1 superseded rc#0
      [0x200, 0x23e, 'translated', 'its1', 0x1, 0x3f, 'smmuB 1-63'],
      [0x23f, 0x2fe, 'bypass', null, 0x23f, 0x2fe, 'smmuB 64-255'],
      [0x2ff, 0x3ff, 'bypass', null, 0x2ff, 0x3ff, ''],
      [0x400, 0x400, 'translated', 'its0', 0x9000, 0x9000, ''],
      [0x401, 0x401, 'bypass', null, 0x401, 0x401, ''],
    ]);
    expect(coverage(t, 0, 0x401).segments[1]!.log).toBe(`${conflict('smmuA#1', 0x1ff)}\n${workaround}`);
  });

  it('lookup and coverage agree with iort_node_map_id() on every ID', () => {
    for (let id = 0; id <= 0x500; id++) expect(viaCore(t, id)).toEqual(bruteWalk(rc, id));
    checkCoverage(rc, t, 0, 0x500);
  });
});

// ---- random two-stage tables ------------------------------------------------------------------

// Bases and counts on a grid of 8, so a row's last ID often is, or falls inside, a later row.
const value = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 12 }).map((x) => x * 8), weight: 3 },
  fc.integer({ min: 0, max: 0x60 }),
  fc.constantFrom(0xfffffff0, 0xffffffff, 0x100),
);
const count = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 6 }).map((x) => x * 8), weight: 3 },
  fc.integer({ min: 0, max: 0x30 }),
  fc.constantFrom(0xffffffff, 0xfffffff8),
);
const id = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 13 }).map((x) => x * 8), weight: 3 },
  { arbitrary: fc.integer({ min: 0, max: 0x68 }), weight: 2 },
  fc.nat({ max: 0xffffffff }),
);
const mask = fc.constantFrom(undefined, undefined, 0xffffffff, 0xfff8, 0x3f, 0xff0f);
const single = fc.oneof({ arbitrary: fc.constant(false), weight: 8 }, fc.constant(true));

const random = fc
  .record({
    rc: fc.array(fc.tuple(value, count, value, fc.nat({ max: 3 }), single), { maxLength: 6 }),
    smmu: fc.array(fc.array(fc.tuple(value, count, value, fc.nat({ max: 1 }), single), { maxLength: 5 }), {
      minLength: 2,
      maxLength: 2,
    }),
    masks: fc.tuple(mask, mask, mask),
  })
  .map(({ rc: rows, smmu, masks }) => {
    const its = [{ name: 'its0' }, { name: 'its1' }];
    const smmus: IortNode[] = smmu.map((rs, k) => ({
      name: `smmu${k}`,
      mask: masks[k + 1],
      mappings: rs.map(([inputBase, count, outputBase, ref, single]) => ({
        inputBase,
        count,
        outputBase,
        ref: its[ref]!,
        single,
      })),
    }));
    const refs = [...smmus, its[0]!, { name: 'empty', mappings: [] }]; // an SMMU with no mappings: fail_map
    const root: IortNode = {
      name: 'rc',
      mask: masks[0],
      singleOk: true,
      mappings: rows.map(([inputBase, count, outputBase, ref, single]) => ({
        inputBase,
        count,
        outputBase,
        ref: refs[ref]!,
        single,
      })),
    };
    return root;
  });

describe('random root complex -> SMMU -> ITS tables', () => {
  it('lookup() equals iort_node_map_id() for every ID tried', () => {
    fc.assert(
      fc.property(random, fc.array(id, { minLength: 1, maxLength: 20 }), (root, ids) => {
        const t = tables()(root)!;
        for (const id of ids) expect(viaCore(t, id)).toEqual(bruteWalk(root, id));
      }),
      { numRuns: 2000 },
    );
  });

  it('coverage() agrees with it on every ID of the range', () => {
    fc.assert(
      fc.property(random, fc.oneof(value, fc.constant(0xffffff00)), fc.nat({ max: 200 }), (root, lo, span) => {
        checkCoverage(root, tables()(root)!, lo, Math.min(lo + span, 0xffffffff));
      }),
      { numRuns: 1000 },
    );
  });
});
