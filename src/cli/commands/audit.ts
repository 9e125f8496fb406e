// `dtmap audit`: what the running kernel did with every PCI function, next to the firmware
// description; the work is in src/audit.
import { Option, type Command } from 'commander';
import { InputError, readBytes } from '../../app/input.js';
import { kernelOption, type SetCode } from '../options.js';
import { writeAtomic } from '../output.js';
import type { KernelForm } from '../../map/map.js';

interface AuditCommandOptions {
  root: string;
  save?: string;
  collectScript?: boolean;
  format: 'pretty' | 'json';
  kernel?: KernelForm;
  strict?: boolean;
}

export function register(program: Command, setCode: SetCode): void {
  program
    .command('audit')
    .description(
      'what the running kernel did with every PCI function (iommu group, MSIs) next to the firmware description',
    )
    .argument('[snapshot]', 'a snapshot written by --save or the collect script (default: this machine)')
    .option('--root <dir>', 'where the file system to read is mounted', '/')
    .option('--save <file>', 'write everything audit read to FILE (JSON, atomically) instead of the report')
    .option('--collect-script', 'print a POSIX sh script that writes the snapshot on a board without Node')
    .addOption(new Option('--format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addOption(kernelOption())
    .option('--strict', 'warnings fail the run too')
    .action(async (file: string | undefined, opts: AuditCommandOptions) => {
      const lib = await import('../../audit/index.js');
      if (opts.collectScript) {
        process.stdout.write(lib.COLLECT_SCRIPT);
        setCode(0);
        return;
      }
      let snapshot;
      let name: string;
      if (file !== undefined) {
        const bytes = readBytes(file);
        try {
          snapshot = lib.parseSnapshot(Buffer.from(bytes).toString('utf8'), file);
        } catch (e) {
          if (e instanceof lib.SnapshotError) throw new InputError(e.message);
          throw e;
        }
        name = file;
      } else {
        snapshot = lib.readSnapshot(opts.root);
        name = opts.root;
      }
      if (opts.save) {
        writeAtomic(opts.save, lib.snapshotJson(snapshot));
        setCode(0);
        return;
      }
      let report;
      try {
        report = lib.audit(snapshot, { file: name, kernelForm: opts.kernel });
      } catch (e) {
        if (e instanceof lib.SnapshotError) throw new InputError(e.message);
        throw e;
      }
      process.stdout.write(opts.format === 'json' ? lib.auditJson(report) : lib.auditPretty(report));
      setCode(lib.auditFails(report, opts.strict) ? 1 : 0);
    });
}
