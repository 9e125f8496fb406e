// The preprocessing worker of `dtmap check`: runs the C preprocessor over the DTS files it is
// sent, in order (so that one cache of headers and memoised inclusions serves them all), and
// posts each result to the checking worker, its source map transferred.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { preprocessedBuffers } from '../dts/index.js';
import type { FileCheckOptions } from './check-file.js';
import { preprocessInput } from './input.js';

parentPort!.on('message', async (msg: { files: string[]; opts: FileCheckOptions; port: MessagePort }) => {
  for (let index = 0; index < msg.files.length; index++) {
    const file = msg.files[index]!;
    let pp;
    try {
      pp = await preprocessInput(file, { includeDirs: msg.opts.include, defines: msg.opts.define, verbose: msg.opts.verbose });
    } catch {
      pp = undefined; // an internal error: the checking side reports it when it loads the file
    }
    msg.port.postMessage({ index, pp }, pp && !('error' in pp) ? preprocessedBuffers(pp) : []);
  }
});
