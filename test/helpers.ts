// Small trees built in code for engine tests: the same model the readers build; and the tests'
// temporary folders.
import { afterEach, beforeEach, onTestFinished, vi } from 'vitest';
import { Command } from 'commander';
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

/** A command's `register(program, setCode)`, as src/cli/commands/* export it. */
type Register = (program: Command, setCode: (code: number) => void) => void;

/**
 * Commands run in process, as commander wires them: `run(...argv)` gives the exit code, `out()`
 * what they wrote to stdout (colours off), `clear()` forgets it. Call at the top of a test file: it adds the hooks that
 * capture stdout around each test.
 */
export function inProcess(...registers: Register[]): {
  run: (...argv: string[]) => Promise<number>;
  out: () => string;
} {
  let level: ColorSupportLevel;
  let out = '';
  beforeEach(() => {
    level = chalk.level;
    chalk.level = 0;
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
  });
  afterEach(() => {
    chalk.level = level;
    vi.restoreAllMocks();
  });
  return {
    out: () => out,
    clear: () => void (out = ''),
    async run(...argv) {
      let code = 0;
      const program = new Command('dtmap').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      for (const r of registers) r(program, (c) => (code = c));
      await program.parseAsync(argv, { from: 'user' });
      return code;
    },
  };
}
