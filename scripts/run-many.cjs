// node scripts/run-many.cjs BIN RUNS.json: runs dtmap's CLI (BIN, a bin/dtmap.cjs) on each command
// line of RUNS.json ([{cwd, args, out, err, rc}]) one after the other in this one process, and
// writes each run's stdout, stderr and exit code to the files it names. For
// scripts/same-output.mjs, whose thousands of `query` runs would otherwise each pay a Node
// start-up. It is the CLI as a process runs it: BIN is loaded afresh for each run (a new module,
// so no state carries over; the CLI adds no process listeners and never calls process.exit), its
// writes to process.stdout and process.stderr are captured, and the exit code is process.exitCode
// once the event loop is empty, as at a real exit. A run that throws past the CLI gets no files:
// same-output.mjs runs it again in a process of its own.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const bin = path.resolve(process.argv[2]);
const runs = JSON.parse(fs.readFileSync(process.argv[3], 'utf8'));
const streams = { out: process.stdout, err: process.stderr };
const original = { out: process.stdout.write, err: process.stderr.write };
let i = -1;
let current; // the captured output of the run under way

function capture(name) {
  streams[name].write = (chunk, encoding, callback) => {
    if (typeof encoding === 'function') [callback, encoding] = [encoding, undefined];
    current?.[name].push(typeof chunk === 'string' ? Buffer.from(chunk, encoding ?? 'utf8') : Buffer.from(chunk));
    if (callback) process.nextTick(callback);
    return true;
  };
}

function finish() {
  if (current) {
    const run = runs[i];
    fs.writeFileSync(run.out, Buffer.concat(current.out));
    fs.writeFileSync(run.err, Buffer.concat(current.err));
    fs.writeFileSync(run.rc, `${process.exitCode ?? 0}\n`);
  }
  current = undefined;
  process.exitCode = undefined;
}

function next() {
  finish();
  if (++i >= runs.length) {
    streams.out.write = original.out;
    streams.err.write = original.err;
    process.removeListener('beforeExit', onEmpty);
    return;
  }
  const run = runs[i];
  current = { out: [], err: [] };
  process.chdir(run.cwd);
  process.argv = [process.execPath, bin, ...run.args];
  delete require.cache[bin];
  require(bin);
}

capture('out');
capture('err');
process.on('uncaughtException', () => {
  current = undefined; // not recorded: rerun on its own
});
// the loop is empty: the run has ended (the next one starts from a fresh tick, which keeps the
// loop alive, so this fires again after it even when it never leaves the microtask queue)
const onEmpty = () => setImmediate(next);
process.on('beforeExit', onEmpty);
next();
