// `--reader NAME[,NAME...]|all` and its alias `--kernel classic|mainline`, for check, query, map,
// diff and the language server: which readers of the maps (src/map/readers) a command runs.
import type { KernelForm } from '../map/map.js';
import { kernelReader, parseReaders, type Reader } from '../map/readers/index.js';
import { InputError } from './input.js';

/** `--kernel` first (an alias), then `--reader`; neither: the config file's kernel, else linux-classic. */
export function selectedReaders(
  reader: string | undefined,
  kernel: KernelForm | undefined,
  configKernel?: KernelForm,
): Reader[] {
  const list: Reader[] = kernel ? [kernelReader(kernel)] : [];
  if (reader !== undefined) {
    let named: Reader[];
    try {
      named = parseReaders(reader);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    for (const r of named) if (!list.includes(r)) list.push(r);
  }
  return list.length ? list : [kernelReader(configKernel ?? 'classic')];
}

/** The Linux form the Linux rules follow: the first linux-* reader selected, else the config file's kernel, else classic. */
export function linuxForm(readers: readonly Reader[], configKernel?: KernelForm): KernelForm {
  return readers.find((r) => r.name.startsWith('linux-'))?.form ?? configKernel ?? 'classic';
}
