// Where the kernel corpus lives (scripts/kernel-corpus.sh builds it): $DTMAP_CORPUS, else
// corpus/ at the top of this repository (git-ignored). bench/run.mjs, scripts/corpus.mjs and
// scripts/cpp-diff.mjs take it from here; scripts/build-dts-fixtures.sh follows the same rule.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function corpusDir() {
  return path.resolve(
    process.env.DTMAP_CORPUS || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'corpus'),
  );
}
