// Preloaded by bench/run.mjs (node -r): prints the process's peak RSS (KB, worker threads included) at exit.
'use strict';
process.on('exit', () => process.stderr.write(`dtmap-bench-maxrss ${process.resourceUsage().maxRSS}\n`));
