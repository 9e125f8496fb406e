// Which boards include a `.dtsi` (for the language server, and `check` given a `.dtsi`): an index
// of the `#include` and `/include/` lines of every `.dts`/`.dtsi` in the workspace, walked upwards
// from the `.dtsi` to the boards. Names match by their last path component; the board's own
// preprocessing then confirms it (src/lsp/project.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const SOURCE = /\.dtsi?$/;
const INCLUDE = /^[ \t]*#[ \t]*include[ \t]*[<"]([^>"\n]+)[>"]|\/include\/[ \t]*"([^"\n]+)"/gm;
const MAX_FILES = 50000;

/** Base names of the files a source includes. */
export function includedNames(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(INCLUDE)) out.push(basename(m[1] ?? m[2]!));
  return out;
}

export class IncludeIndex {
  /** Path -> base names it includes; built on first use. */
  private files?: Map<string, string[]>;

  constructor(private readonly roots: string[]) {}

  private build(): Map<string, string[]> {
    const files = new Map<string, string[]>();
    const walk = (dir: string, depth: number) => {
      if (depth > 32 || files.size >= MAX_FILES) return;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // unreadable folder: not part of the index
      }
      for (const e of entries) {
        if (e.name.startsWith('.') || e.name === 'node_modules') continue;
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p, depth + 1);
        else if (SOURCE.test(e.name) && e.isFile()) {
          try {
            files.set(p, includedNames(readFileSync(p, 'utf8')));
          } catch {
            // vanished or unreadable: skip
          }
        }
      }
    };
    for (const r of this.roots) walk(r, 0);
    return files;
  }

  /** A file's text changed (an editor buffer): its includes are read again. */
  update(path: string, text: string): void {
    if (this.files && SOURCE.test(path)) this.files.set(path, includedNames(text));
  }

  /** Boards (`.dts`) that include `target`, directly or through other `.dtsi`: its own folder first. */
  boardsIncluding(target: string): string[] {
    this.files ??= this.build();
    const byName = new Map<string, string[]>();
    for (const [file, names] of this.files) for (const n of names) byName.set(n, [...(byName.get(n) ?? []), file]);
    const boards = new Set<string>();
    const seen = new Set<string>([target]);
    let level = [target];
    while (level.length) {
      const next: string[] = [];
      for (const f of level)
        for (const includer of byName.get(basename(f)) ?? []) {
          if (seen.has(includer)) continue;
          seen.add(includer);
          if (includer.endsWith('.dts')) boards.add(includer);
          else next.push(includer);
        }
      level = next;
    }
    const home = dirname(target);
    return [...boards].sort(
      (a, b) => Number(dirname(b) === home) - Number(dirname(a) === home) || (a < b ? -1 : a > b ? 1 : 0),
    );
  }
}
