// The output formats of `dtmap check`, by the name `--format` takes; each is a Formatter.
import type { Formatter } from './model.js';
import { formatPretty } from './pretty.js';
import { formatJson } from './json.js';
import { formatSarif } from './sarif.js';
import { formatGithub } from './github.js';
import { formatGcc } from './gcc.js';

export const FORMATS = {
  pretty: formatPretty,
  json: formatJson,
  sarif: formatSarif,
  github: formatGithub,
  gcc: formatGcc,
} satisfies Record<string, Formatter>;

export type FormatName = keyof typeof FORMATS;
