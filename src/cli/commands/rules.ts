// `dtmap rules`: every rule with its default severity; `dtmap rules RULE`: the rule's page
// (docs/rules/RULE.md, shipped in the package).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { RULES } from '../../checks/index.js';
import { InputError } from '../../app/input.js';
import { didYouMean, show } from '../../app/schema.js';

/** docs/rules of the package (or the clone): found upwards from this module (dist/cli.cjs or src/cli/commands). */
export function rulesDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const docs = join(dir, 'docs', 'rules');
    if (existsSync(join(docs, 'README.md'))) return docs;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The page of one rule, as its Markdown. */
export function rulePage(rule: string): string {
  const ids = RULES.map((r) => r.id);
  if (!ids.includes(rule)) throw new InputError(`rules: unknown rule ${show(rule)}${didYouMean(rule, ids)}`);
  const dir = rulesDir();
  const page = dir && join(dir, `${rule}.md`);
  if (!page || !existsSync(page))
    throw new InputError(`rules: the page of ${rule} (docs/rules/${rule}.md) is not installed`);
  return readFileSync(page, 'utf8');
}

export function formatRules(json: boolean): string {
  if (json)
    return (
      JSON.stringify(
        RULES.map((r) => ({
          id: r.id,
          severity: r.severity,
          description: r.description,
          docs: `docs/rules/${r.id}.md`,
        })),
        null,
        2,
      ) + '\n'
    );
  const w = Math.max(...RULES.map((r) => r.id.length));
  return RULES.map((r) => `${r.id.padEnd(w)}  ${r.severity.padEnd(7)}  ${r.description}`).join('\n') + '\n';
}

export function register(program: Command): void {
  program
    .command('rules')
    .description("list every rule with its default severity, or print one rule's page")
    .argument('[rule]', 'a rule: print its page (what it finds, a bad and a good example, what the kernel does)')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action((rule: string | undefined, opts: { format: string }) => {
      process.stdout.write(rule ? rulePage(rule) : formatRules(opts.format === 'json'));
    });
}
