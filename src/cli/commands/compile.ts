// `dtmap compile`: DTS to DTB, byte for byte what `cpp ... | dtc -I dts -O dtb` writes.
import type { Command } from 'commander';
import { InputError, kernelIncludes, sourceErrorText } from '../../app/input.js';
import { parseDefines } from '../../app/config.js';
import { checkOutputs, writeAtomic } from '../output.js';
import { collect, integerArg, type SetCode } from '../options.js';

export function register(program: Command, setCode: SetCode): void {
  program
    .command('compile')
    .description('compile a .dts to a .dtb (with the built-in preprocessor), as cpp + dtc -O dtb do')
    .argument('<file>', 'DTS file')
    .requiredOption('-o, --output <file>', 'DTB to write (atomically); - for stdout')
    .option('-I, --include <dir>', 'include directory (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define (repeatable)', collect, [])
    .option(
      '-b, --boot-cpu <n>',
      "boot_cpuid_phys for the header (default: the first /cpus child's reg, as dtc guesses)",
      integerArg(0, 0xffffffff),
    )
    .option('-@, --symbols', 'add __symbols__ (like dtc -@)')
    .action(
      async (
        file: string,
        opts: { output: string; include: string[]; define: string[]; bootCpu?: number; symbols?: boolean },
      ) => {
        const { compileDts } = await import('../../dts/index.js');
        const { writeDtb } = await import('../../dtb/write.js');
        const defines = parseDefines(opts.define);
        let compiled;
        try {
          compiled = compileDts(file, {
            includeDirs: opts.include.length ? opts.include : kernelIncludes(file),
            defines,
            symbols: opts.symbols,
          });
        } catch (e) {
          const error = sourceErrorText(e);
          if (error === undefined) throw e;
          throw new InputError(error);
        }
        const blob = writeDtb(compiled.tree, { bootCpuidPhys: opts.bootCpu });
        if (opts.output === '-') process.stdout.write(blob);
        else {
          checkOutputs([{ option: '-o', file: opts.output }], compiled.files);
          writeAtomic(opts.output, blob);
        }
        setCode(0);
      },
    );
}
