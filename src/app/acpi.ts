// ACPI input, told apart from devicetree input by content: a raw IORT or VIOT, acpidump text, an
// iasl disassembly with its raw bytes, or a directory of tables like /sys/firmware/acpi/tables.
import { readdirSync, statSync } from 'node:fs';
import { isAcpiInput, readAcpiDir, readAcpiInput } from '../acpi/source.js';
import { buildAcpiMachine, type AcpiMachine } from '../acpi/machine.js';
import type { AcpiTable, Iort, Viot } from '../acpi/model.js';
import { SourceError } from '../errors.js';
import { InputError, readBytes } from './input.js';

/** A directory of ACPI tables: it holds an `IORT` or `VIOT` file (sysfs), or acpidump -b's `iort.dat`. */
export function isAcpiDir(dir: string): boolean {
  try {
    return readdirSync(dir).some((n) => /^(IORT|VIOT)$|^(iort|viot)\.dat$/.test(n));
  } catch {
    return false;
  }
}

/**
 * The ACPI machine of `file`, or undefined when the file is no ACPI input (devicetree input goes
 * to loadTree()). Bad ACPI input is an InputError of one line naming the table and the offset.
 */
export function loadAcpi(file: string): AcpiMachine | undefined {
  if (file === '-') return undefined;
  let dir: boolean;
  try {
    dir = statSync(file).isDirectory();
  } catch {
    return undefined; // loadTree() says what is wrong with the name
  }
  let tables: AcpiTable[];
  try {
    if (dir) {
      if (!isAcpiDir(file)) return undefined;
      tables = readAcpiDir(file);
    } else {
      const bytes = readBytes(file);
      if (!isAcpiInput(bytes)) return undefined;
      tables = readAcpiInput(file, bytes);
    }
  } catch (e) {
    if (e instanceof SourceError) throw new InputError(e.format());
    throw e;
  }
  const iort = tables.find((t): t is Iort => t.signature === 'IORT');
  const viot = tables.find((t): t is Viot => t.signature === 'VIOT');
  return buildAcpiMachine(file, iort, viot);
}
