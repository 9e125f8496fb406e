// The laptop IORT fixtures (fixtures/acpi/laptops/README.md): each machine's table file and
// iasl's disassembly of it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseIaslDsl, type IaslDsl } from './iasl-dsl.js';

export const LAPTOPS = join(import.meta.dirname, '../../fixtures/acpi/laptops');

export interface Laptop {
  machine: string;
  /** The table as committed: a binary, or (one machine) the repository's own iasl .dsl. */
  table: string;
  /** iasl 20260408's disassembly. */
  dsl: string;
}

/** Every machine iasl disassembled (the mangled table has an .iasl.txt instead). */
export function laptops(): Laptop[] {
  const files = readdirSync(LAPTOPS);
  return files
    .filter((f) => f.endsWith('.iasl.dsl'))
    .map((dsl) => {
      const machine = dsl.slice(0, -'.iasl.dsl'.length);
      const table = files.find((f) => f.startsWith(machine + '.') && !f.includes('.iasl.'));
      if (!table) throw new Error(`no table for ${dsl}`);
      return { machine, table, dsl };
    });
}

export function readLaptop(name: string): Buffer {
  return readFileSync(join(LAPTOPS, name));
}

/** A table's bytes: the file, or the hex dump of a committed .dsl. */
export function tableBytes(table: string): Uint8Array {
  const bytes = readLaptop(table);
  if (!table.endsWith('.dsl')) return new Uint8Array(bytes);
  const raw = parseIaslDsl(bytes.toString('latin1')).raw;
  if (!raw) throw new Error(`${table} has no raw dump`);
  return raw;
}

export function readDsl(name: string, dir = LAPTOPS): IaslDsl {
  return parseIaslDsl(readFileSync(join(dir, name), 'latin1'));
}
