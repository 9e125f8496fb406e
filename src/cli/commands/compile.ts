// `dtmap compile`: DTS to DTB, byte for byte what `cpp ... | dtc -I dts -O dtb` writes.
import type { Command } from 'commander';
import { InputError, kernelIncludes, sourceErrorText } from '../input.js';
import { writeAtomic } from '../output.js';
import { parseDefines } from '../config.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command, setCode: (code: number) => void): void {
  program
    .command('compile')
    .description('compile a .dts to a .dtb (with the built-in preprocessor), as cpp + dtc -O dtb do')
    .argument('<file>', 'DTS file')
    .requiredOption('-o, --output <file>', 'DTB to write (atomically); - for stdout')
    .option('-I, --include <dir>', 'include directory (repeatable)', collect, [])
    .option('-D, --define <name[=value]>', 'preprocessor define (repeatable)', collect, [])
    .option('-b, --boot-cpu <n>', "boot_cpuid_phys for the header (default: the first /cpus child's reg, as dtc guesses)")
    .option('-@, --symbols', 'add __symbols__ (like dtc -@)')
    .action(async (file: string, opts: { output: string; include: string[]; define: string[]; bootCpu?: string; symbols?: boolean }) => {
      const { compileDts } = await import('../../dts/index.js');
      const { writeDtb } = await import('../../dtb/write.js');
      const defines = parseDefines(opts.define);
      let boot: number | undefined;
      if (opts.bootCpu !== undefined) {
        boot = Number(opts.bootCpu);
        if (!/^(0x[0-9a-f]+|\d+)$/i.test(opts.bootCpu) || boot > 0xffffffff) throw new InputError(`-b ${opts.bootCpu}: not a 32-bit number`);
      }
      let tree;
      try {
        tree = compileDts(file, { includeDirs: opts.include.length ? opts.include : kernelIncludes(file), defines, symbols: opts.symbols }).tree;
      } catch (e) {
        const error = sourceErrorText(e);
        if (error === undefined) throw e;
        throw new InputError(error);
      }
      const blob = writeDtb(tree, { bootCpuidPhys: boot });
      if (opts.output === '-') process.stdout.write(blob);
      else writeAtomic(opts.output, blob);
      setCode(0);
    });
}
