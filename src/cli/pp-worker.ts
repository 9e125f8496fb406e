// The preprocessing worker of `dtmap check`: runs the C preprocessor over the DTS files it is
// sent, in order (so that one cache of headers and memoised inclusions serves them all), and
// posts each result to the checking worker, its source map transferred, a few files ahead at most.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { preprocessedBuffers } from '../dts/index.js';
import type { FileCheckOptions } from '../app/check-file.js';
import { preprocessInput } from '../app/input.js';
import { setFileCacheLimit } from '../dts/preprocess/files.js';
// 16 MiB of headers and memos: as fast as 32 on the kernel's arm64 boards, ~30 MB less memory
setFileCacheLimit(16 << 20);

// How many preprocessed files may wait for the checking side: enough to keep it busy, few enough
// that memory does not grow with the number of files when this side runs ahead.
const AHEAD = 4;

parentPort!.on('message', async (msg: { files: string[]; opts: FileCheckOptions; port: MessagePort }) => {
  let checked = 0;
  let wake: (() => void) | undefined;
  msg.port.on('message', () => {
    checked++;
    wake?.();
  });
  for (let index = 0; index < msg.files.length; index++) {
    while (index - checked >= AHEAD) await new Promise<void>((resolve) => (wake = resolve));
    const file = msg.files[index]!;
    let pp;
    try {
      pp = await preprocessInput(file, {
        include: msg.opts.include,
        define: msg.opts.define,
        verbose: msg.opts.verbose,
      });
    } catch {
      pp = undefined; // an internal error: the checking side reports it when it loads the file
    }
    msg.port.postMessage({ index, pp }, pp && !('error' in pp) ? preprocessedBuffers(pp) : []);
  }
});
