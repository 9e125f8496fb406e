// The README and docs/ as a reader meets them: no install line for a package the registry does
// not have, and every example run (`$ dtmap ...`, `$ npx dtmap ...`) run again by the built CLI
// from the repository's root, its output compared with the block's, in the spirit of trycmd:
//   - a line `...` alone stands for any number of lines left out (an excerpt);
//   - `[..]` inside a line stands for any text on that line (a time, a path that varies);
//   - an exit code other than 0 is shown as the run a shell would show: `$ echo $?` and the code;
//   - `$ cd linux` runs the rest of the block in the kernel tree of the corpus
//     ($DTMAP_CORPUS/linux, else corpus/linux; scripts/kernel-corpus.sh), skipped without it.
// DTMAP_README=overwrite rewrites the blocks without markers from this run's output (a time
// becomes `in [..] s`).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** README.md, CONTRIBUTING.md and every Markdown file under docs/ and editors/. */
function markdownFiles(): string[] {
  const out = ['README.md', 'CONTRIBUTING.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p);
      else if (e.name.endsWith('.md')) out.push(p);
    }
  };
  walk('docs');
  walk('editors');
  return out;
}

describe('install lines', () => {
  it('never install or run dtmap from the registry', () => {
    const bad: string[] = [];
    for (const file of markdownFiles()) {
      const lines = readFileSync(file, 'utf8').split('\n');
      let cd = false; // inside a code block, after a `cd` out of the clone
      lines.forEach((line, i) => {
        if (/^\s*```/.test(line)) cd = false;
        if (/^\s*\$ cd /.test(line)) cd = true;
        const where = `${file}:${i + 1}: ${line.trim()}`;
        // `npm install -g ./dtmap-0.1.0.tgz` names a file; `npm install -g dtmap` names the registry's package
        if (/\bnpm (install|i|add)\b[^`|;&]*\s(-g\s+)?dtmap(@\S*)?(\s|`|$)/.test(line)) bad.push(where);
        if (/\bnpx (-y |--yes )?dtmap@/.test(line) || (cd && /\bnpx dtmap\b/.test(line))) bad.push(where);
      });
    }
    expect(bad).toEqual([]);
  });
});

/** A fenced block whose first line is a command (`$ ...`): the file, its first line, its lines. */
interface Block {
  file: string;
  line: number;
  lines: string[];
}

function exampleBlocks(file: string): Block[] {
  const text = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < text.length; i++) {
    const open = /^(\s*)```/.exec(text[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    let end = i + 1;
    while (end < text.length && !/^\s*```\s*$/.test(text[end]!)) end++;
    const lines = text.slice(i + 1, end).map((l) => l.slice(indent));
    if (lines[0]?.startsWith('$ ')) blocks.push({ file, line: i + 2, lines });
    i = end;
  }
  return blocks;
}

/** Shell words: plain, 'single' and "double" quoted; anything else a shell would do is refused. */
function words(command: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:'([^']*)'|"([^"\\$`]*)"|([^\s'"|&;<>()$`\\]+))/gy;
  let m: RegExpExecArray | null;
  let word: string | undefined;
  let at = 0;
  while (at < command.length && (m = re.exec(command))) {
    if (/^\s/.test(m[0]) && word !== undefined) {
      out.push(word);
      word = undefined;
    }
    word = (word ?? '') + (m[1] ?? m[2] ?? m[3] ?? '');
    at = re.lastIndex;
  }
  if (command.slice(at).trim()) throw new Error(`unsupported shell syntax in the example: $ ${command}`);
  if (word !== undefined) out.push(word);
  return out;
}

const ROOT = resolve('.');
const NO_KERNEL = new Error('no kernel tree');
const CLI = resolve('dist/cli.cjs');
const KERNEL = join(resolve(process.env.DTMAP_CORPUS || 'corpus'), 'linux');

/** `expected` (with `...` and `[..]`) as a pattern over the whole output. */
function pattern(expected: string[]): RegExp {
  const parts = expected.map((l) =>
    l === '...'
      ? '(?:[^\\n]*\\n)*?'
      : l
          .split('[..]')
          .map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^\\n]*') + '\\n',
  );
  return new RegExp('^' + parts.join('') + '$');
}

interface Step {
  command: string;
  expected: string[];
}

function steps(block: Block): Step[] {
  const out: Step[] = [];
  for (const line of block.lines) {
    if (line.startsWith('$ ')) out.push({ command: line.slice(2), expected: [] });
    else out.at(-1)!.expected.push(line);
  }
  return out;
}

/** Runs a block's steps; for each, what it printed (stdout and stderr as the terminal shows them). */
function runBlock(block: Block): { step: Step; actual: string[] }[] | 'no kernel tree' {
  let cwd = ROOT;
  let status = 0;
  const results: { step: Step; actual: string[] }[] = [];
  const written: string[] = []; // baselines the block writes, removed after it
  const all = steps(block);
  try {
    all.forEach((step, i) => {
      runStep(step);
      // an exit code other than 0 is shown (`$ echo $?`) right after the command
      if (status !== 0 && step.command !== 'echo $?' && all[i + 1]?.command !== 'echo $?')
        results.push({ step: { command: 'echo $?', expected: [] }, actual: [String(status)] });
    });
  } catch (e) {
    if (e === NO_KERNEL) return 'no kernel tree';
    throw e;
  } finally {
    for (const f of written) rmSync(f, { force: true });
  }
  return results;

  function runStep(step: Step): void {
    const argv = step.command === 'echo $?' ? ['echo', '$?'] : words(step.command);
    let actual: string[];
    if (argv[0] === 'cd' && argv.length === 2) {
      if (argv[1] !== 'linux') throw new Error(`${block.file}:${block.line}: only \`cd linux\` is known`);
      if (!existsSync(KERNEL)) throw NO_KERNEL;
      cwd = KERNEL;
      actual = [];
    } else if (step.command === 'echo $?') actual = [String(status)];
    else {
      if (argv[0] === 'npx') argv.shift();
      if (argv[0] !== 'dtmap') throw new Error(`${block.file}:${block.line}: not a dtmap command: $ ${step.command}`);
      const baseline = argv.indexOf('--write-baseline');
      if (baseline > 0 && !existsSync(resolve(cwd, argv[baseline + 1]!)))
        written.push(resolve(cwd, argv[baseline + 1]!));
      // stdout and stderr on one pipe, in the order the CLI wrote them
      const r = spawnSync('sh', ['-c', '"$0" "$@" 2>&1', process.execPath, CLI, ...argv.slice(1)], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
        timeout: 600_000,
        maxBuffer: 1 << 28,
      });
      status = r.status ?? 128;
      actual = r.stdout.replace(/\n$/, '').split('\n');
      if (!r.stdout) actual = [];
    }
    results.push({ step, actual });
  }
}

const FILES = [
  'README.md',
  ...readdirSync('docs')
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f)),
];
const overwrite = process.env.DTMAP_README === 'overwrite';

describe.each(FILES.filter((f) => exampleBlocks(f).length))('%s', (file) => {
  const blocks = exampleBlocks(file);
  for (const block of blocks)
    it(`line ${block.line}: $ ${block.lines[0]!.slice(2)}`, (ctx) => {
      const results = runBlock(block);
      if (results === 'no kernel tree') return ctx.skip(`no kernel tree at ${KERNEL}`);
      const text = (r: { step: Step; actual: string[] }[], side: 'expected' | 'actual') =>
        r
          .map((x) => [`$ ${x.step.command}`, ...(side === 'actual' ? x.actual : x.step.expected)].join('\n'))
          .join('\n');
      const ok = results.every((r) =>
        pattern(r.step.expected).test(r.actual.join('\n') + (r.actual.length ? '\n' : '')),
      );
      if (!ok && overwrite && !block.lines.some((l) => l === '...' || l.includes('[..]'))) {
        const source = readFileSync(file, 'utf8');
        // a run's time differs from run to run: `[..]`
        const fresh = text(results, 'actual').replace(/ in \d+\.\d+ s$/gm, ' in [..] s');
        writeFileSync(file, source.replace(block.lines.join('\n'), fresh));
        return;
      }
      if (!ok) expect(text(results, 'actual')).toBe(text(results, 'expected'));
    });
});

describe('the README synopsis (## Commands)', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Commands\n'));
  const synopsis = section.slice(section.indexOf('```\n') + 4, section.indexOf('\n```', section.indexOf('```\n') + 4));
  const help = (args: string[]) =>
    spawnSync(process.execPath, [CLI, ...args, '--help'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  const commands = [
    ...help([])
      .split(' Commands: ')[1]!
      .matchAll(/ {1,}([a-z]+) \[options\]/g),
  ].map((m) => m[1]!);

  it('names every command the CLI has', () => {
    expect(commands.length).toBeGreaterThan(5);
    const named = new Set(synopsis.split('\n').map((l) => l.split(' ')[1]));
    expect(commands.filter((c) => !named.has(c))).toEqual([]);
  });

  it("lists each command's --format and --map choices as the CLI takes them", () => {
    for (const line of synopsis.split('\n')) {
      const text = help([line.split(' ')[1]!]);
      for (const [, option, shown] of line.matchAll(/\[(--format|--map) ([a-z|]+)\]/g)) {
        const choices = new RegExp(`${option} <\\w+> [^(]*\\(choices: ((?:"[^"]*", )+)default`).exec(text)?.[1];
        expect(shown!.split('|'), `${line}: ${option}`).toEqual([...choices!.matchAll(/"([^"]*)"/g)].map((m) => m[1]));
      }
    }
  });
});

describe('the example matcher', () => {
  it('`...` stands for lines, `[..]` for text within a line, and nothing else is loose', () => {
    const out = 'a\nb\nc 1.5 s\n';
    expect(pattern(['a', '...', 'c [..] s']).test(out)).toBe(true);
    expect(pattern(['...', 'b', 'c 1.5 s']).test(out)).toBe(true);
    expect(pattern(['a', 'c 1.5 s']).test(out)).toBe(false);
    expect(pattern(['a', 'b', 'c 1x5 s']).test(out)).toBe(false); // `.` is a dot
    expect(pattern(['a', 'b']).test(out)).toBe(false); // the whole output, not a prefix
  });

  it('takes quoted words and refuses other shell syntax', () => {
    expect(words(`check 'arch/**/*.dts' --rule "a=b" x`)).toEqual(['check', 'arch/**/*.dts', '--rule', 'a=b', 'x']);
    expect(() => words('check a.dtb | head')).toThrow(/unsupported shell syntax/);
    expect(() => words('check - < a.dtb')).toThrow(/unsupported shell syntax/);
  });
});
