// `dtmap rules`: every rule with its default severity.
import { Option, type Command } from 'commander';
import { RULES } from '../../checks/index.js';

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
    .description('list every rule with its default severity')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .action((opts: { format: string }) => {
      process.stdout.write(formatRules(opts.format === 'json'));
    });
}
