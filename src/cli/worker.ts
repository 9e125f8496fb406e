// A worker thread of `dtmap check --jobs N`: checks the batches of files it is sent, in order.
import { parentPort } from 'node:worker_threads';
import { checkFile, type FileCheckOptions } from './check-file.js';

let queue = Promise.resolve();
parentPort!.on('message', (msg: { indices: number[]; files: string[]; opts: FileCheckOptions }) => {
  queue = queue.then(async () => {
    const reports = [];
    for (const file of msg.files) reports.push(await checkFile(file, msg.opts));
    parentPort!.postMessage({ indices: msg.indices, reports });
  });
});
