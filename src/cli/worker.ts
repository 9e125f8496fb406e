// A worker thread of `dtmap check --jobs N`: checks the files it is sent, one at a time.
import { parentPort } from 'node:worker_threads';
import { checkFile, type FileCheckOptions } from './check-file.js';

parentPort!.on('message', async (msg: { index: number; file: string; opts: FileCheckOptions }) => {
  parentPort!.postMessage({ index: msg.index, report: await checkFile(msg.file, msg.opts) });
});
