// Small trees built in code for engine tests: the same model the readers build; and the tests'
// temporary folders.
import { afterEach, beforeEach, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import chalk, { type ColorSupportLevel } from 'chalk';
import { Node, Property, Tree } from '../src/tree/model.js';

export function cellsValue(cells: number[]): Uint8Array {
  const v = new Uint8Array(cells.length * 4);
  const view = new DataView(v.buffer);
  cells.forEach((c, i) => view.setUint32(i * 4, c >>> 0));
  return v;
}

export function stringValue(s: string): Uint8Array {
  return new TextEncoder().encode(s + '\0');
}

export function node(name: string, props: Record<string, number[] | string | true>, children: Node[] = []): Node {
  const n = new Node(name);
  for (const [k, v] of Object.entries(props))
    n.props.push(
      new Property(k, v === true ? new Uint8Array(0) : typeof v === 'string' ? stringValue(v) : cellsValue(v)),
    );
  for (const c of children) n.addChild(c);
  return n;
}

export function tree(children: Node[]): Tree {
  return new Tree(node('', {}, children), 'test');
}

/** Colour off for every test of the calling file (chalk's level restored after each). */
export function withoutColour(): void {
  let level: ColorSupportLevel;
  beforeEach(() => {
    level = chalk.level;
    chalk.level = 0;
  });
  afterEach(() => {
    chalk.level = level;
  });
}

/**
 * A new folder in the system temp dir for the calling test, removed when that test ends
 * (pass or fail), so `npm test` leaves nothing behind. Call it inside `it()`.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
