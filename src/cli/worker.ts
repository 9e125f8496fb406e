// A worker thread of `dtmap check --jobs N`: checks the batches of files it is sent, in order;
// or, in a pipeline, checks each file as its preprocessed text arrives on a port.
import { parentPort, type MessagePort } from 'node:worker_threads';
import { checkFile, type FileCheckOptions } from '../app/check-file.js';
import type { PreprocessResult } from '../app/input.js';

let queue = Promise.resolve();
parentPort!.on('message', (msg: { indices: number[]; files: string[]; opts: FileCheckOptions; port?: MessagePort }) => {
  if (msg.port) {
    const { files, opts } = msg;
    msg.port.on('message', (m: { index: number; pp: PreprocessResult | undefined }) => {
      queue = queue.then(async () => {
        parentPort!.postMessage({ index: m.index, report: await checkFile(files[m.index]!, opts, m.pp) });
        msg.port!.postMessage(m.index); // one more checked: the preprocessing side may go on
      });
    });
    return;
  }
  queue = queue.then(async () => {
    const reports = [];
    for (const file of msg.files) reports.push(await checkFile(file, msg.opts));
    parentPort!.postMessage({ indices: msg.indices, reports });
  });
});
