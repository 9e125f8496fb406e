// IORT models written out by hand, for the tests of the tables and rules: nodes as the reader
// makes them, without the bytes (test/acpi/build.ts writes bytes).
import { IORT_TYPES, type Iort, type IortNode } from '../../src/acpi/model.js';

export type Map_ = [inputBase: number, idCount: number, outputBase: number, ref: number, flags?: number];

export function node(offset: number, type: number, maps: Map_[] = [], extra: Partial<IortNode> = {}): IortNode {
  return {
    offset,
    type,
    typeName: IORT_TYPES[type] ?? 'unknown',
    length: 0x40,
    revision: 0,
    identifier: 0,
    mappingCount: maps.length,
    mappingOffset: maps.length ? 0x20 : 0,
    mappings: maps.map(([inputBase, idCount, outputBase, outputReference, flags = 0], index) => ({
      index,
      offset: offset + 0x20 + 20 * index,
      inputBase,
      idCount,
      outputBase,
      outputReference,
      flags,
      single: (flags & 1) === 1,
    })),
    fields: [],
    ...extra,
  };
}

export const header = {
  signature: 'IORT',
  length: 0x400,
  revision: 3,
  checksum: 0,
  oemId: 'TEST',
  oemTableId: 'TEST',
  oemRevision: 1,
  creatorId: 'TEST',
  creatorRevision: 1,
  checksumOk: true,
};

export const iortOf = (nodes: IortNode[]): Iort => ({
  signature: 'IORT',
  file: 'test',
  header,
  nodeCount: nodes.length,
  nodeOffset: 0x30,
  nodes,
  fields: [],
});

export const rc = (offset: number, segment: number, maps: Map_[]) =>
  node(offset, 2, maps, { rootComplex: { segment, ats: 0 } });
export const its = (offset: number) => node(offset, 0, [], { its: { identifiers: [0] } });
export const smmuV3 = (offset: number, maps: Map_[], s: Partial<NonNullable<IortNode['smmuV3']>> = {}, revision = 3) =>
  node(offset, 4, maps, {
    revision,
    smmuV3: {
      base: 0x9050000n,
      flags: 0,
      model: 0,
      eventGsiv: 0x6a,
      priGsiv: 0x6b,
      gerrGsiv: 0x6d,
      syncGsiv: 0x6c,
      idMappingIndex: 0,
      ...s,
    },
  });
