// What every rule reads: the machine (src/machine/machine.ts: each node with a map, parsed and
// covered once, its described devices enumerated once) and the readers map-portability compares.
import type { Tree } from '../tree/model.js';
import type { KernelForm } from '../map/map.js';
import { mergeRanges } from '../core/ranges.js';
import type { Coverage } from '../map/map.js';
import { kernelReader, type Reader } from '../map/readers/index.js';
import { buildMachine, type Machine } from '../machine/machine.js';

export interface Context extends Machine {
  /** The readers map-portability compares: linux-classic and linux-mainline, and those selected. */
  readers: Reader[];
}

export interface ContextOptions {
  /** Readers map-portability compares besides linux-classic and linux-mainline (`--reader`). */
  readers?: readonly Reader[];
}

export function buildContext(tree: Tree, form: KernelForm, opts: ContextOptions = {}): Context {
  const readers: Reader[] = [kernelReader('classic'), kernelReader('mainline')];
  for (const r of opts.readers ?? []) if (!readers.includes(r)) readers.push(r);
  return { ...buildMachine(tree, form), readers };
}

/** Raw RIDs of the segments that satisfy `pred`, merged. */
export function segmentRids(c: Coverage, pred: (s: Coverage['segments'][number]) => boolean): Array<[number, number]> {
  return mergeRanges(c.segments.filter(pred).map((s) => [s.first, s.last]));
}
