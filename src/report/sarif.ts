// SARIF 2.1.0 for code-scanning uploads: rules in tool.driver.rules, one result per finding,
// every result with a location (the input file; a region when the source position is known).
import type { FileReport, FormatOptions } from './model.js';
import { RULES, type Severity } from '../checks/index.js';
import { relPath } from './paths.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
// No helpUri or informationUri: dtmap has no public home to point at yet. Each rule's help names
// the page the package ships (docs/rules/RULE.md), which `dtmap rules RULE` prints.

export function formatSarif(files: FileReport[], opts: FormatOptions = {}): string {
  const index = new Map(RULES.map((r, i) => [r.id, i]));
  const results = files.flatMap((f) =>
    f.diagnostics.map((d) => {
      const physical: Record<string, unknown> = { artifactLocation: { uri: relPath(d.location?.file ?? f.file) } };
      if (d.location) physical.region = { startLine: d.location.line, startColumn: d.location.column };
      return {
        ruleId: d.rule,
        ruleIndex: index.get(d.rule),
        level: LEVEL[d.severity],
        message: { text: d.message },
        locations: [
          {
            physicalLocation: physical,
            logicalLocations: [
              { fullyQualifiedName: `${d.node}${d.property ? ':' + d.property : ''}`, kind: 'member' },
            ],
          },
        ],
        partialFingerprints: {
          dtmapFinding: [relPath(f.file), d.node, d.property ?? '', d.rule, JSON.stringify(d.rids)].join('|'),
        },
        properties: { node: d.node, property: d.property, rids: d.rids, entry: d.entry, input: relPath(f.file) },
      };
    }),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'dtmap',
            version: opts.version,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.description },
              help: {
                text: `${r.description}. Explained, with a bad and a good example, in docs/rules/${r.id}.md of the dtmap package (\`dtmap rules ${r.id}\`).`,
              },
              defaultConfiguration: { level: LEVEL[r.severity] },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: !files.some((f) => f.error),
            toolExecutionNotifications: files
              .filter((f) => f.error)
              .map((f) => ({
                level: 'error',
                message: { text: f.error! },
                locations: [{ physicalLocation: { artifactLocation: { uri: relPath(f.file) } } }],
              })),
          },
        ],
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
