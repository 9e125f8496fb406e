// The settings every command (and the language server) reads its inputs with, resolved once: the
// command line over the configuration file (`.dtmaprc.json`, package.json "dtmap", `--config`).
import type { KernelForm } from '../map/map.js';
import type { Reader } from '../map/readers/index.js';
import type { Baseline } from '../report/baseline.js';
import { loadBaseline } from './baseline.js';
import { loadConfig, parseDefines, parseRuleOption, type Config, type RuleSetting } from './config.js';
import type { InputSettings } from './input.js';
import { linuxForm, selectedReaders } from './readers.js';
import { warnOnStderr } from './schema.js';

/** The settings as a front gives them: the command line's options, or the language server's. */
export interface SettingOptions {
  /** `-I DIR` (repeatable). */
  include?: string[];
  /** `-D NAME[=VALUE]` (repeatable). */
  define?: string[];
  /** `--overlay FILE` (repeatable). */
  overlay?: string[];
  /** `--live`. */
  live?: boolean;
  /** `--config FILE`; else the configuration found upwards. */
  config?: string;
  /** `--reader NAMES|all`. */
  reader?: string;
  /** `--kernel classic|mainline`. */
  kernel?: KernelForm;
  /** `--rule RULE=SEVERITY` (repeatable). */
  rule?: string[];
  /** `--baseline FILE`. */
  baseline?: string;
}

export interface Settings extends InputSettings {
  /** The configuration file and its values (`source` undefined when there is none). */
  config: Config;
  /** `--kernel`, `--reader`, else the configuration's kernel, else linux-classic. */
  readers: Reader[];
  /** The Linux form the Linux rules follow (linuxForm()). */
  kernel: KernelForm;
  /** The configuration's rule severities, `--rule` over them. */
  rules: Record<string, RuleSetting>;
  /** `--baseline`: the file and the findings it records, checked whole on load. */
  baseline?: { file: string; recorded: Baseline };
}

/**
 * The settings from the options: the configuration found upwards from `cwd` (or named), then
 * the baseline, both checked whole before anything runs or is written; InputError when one is bad.
 */
export function resolveSettings(given: SettingOptions, cwd?: string): Settings {
  const config = loadConfig(given.config, cwd);
  const baseline = given.baseline
    ? { file: given.baseline, recorded: loadBaseline(given.baseline, warnOnStderr) }
    : undefined;
  const rules: Record<string, RuleSetting> = { ...config.rules };
  for (const r of given.rule ?? []) {
    const [id, setting] = parseRuleOption(r);
    rules[id] = setting;
  }
  const readers = selectedReaders(given.reader, given.kernel, config.kernel);
  return {
    include: [...(given.include ?? []), ...config.include],
    define: { ...config.define, ...parseDefines(given.define ?? []) },
    overlays: given.overlay ?? [],
    live: given.live,
    config,
    readers,
    kernel: linuxForm(readers, config.kernel),
    rules,
    baseline,
  };
}
