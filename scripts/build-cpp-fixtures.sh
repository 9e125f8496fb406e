#!/bin/sh
# Regenerates the expected outputs in fixtures/cpp/ with the real GCC preprocessor, using the
# kernel's flags. Run from anywhere; paths in the outputs are relative to the repository root.
#   NAME.dts -> NAME.expected   cpp's output without line markers (`# N "file" flags` lines)
#            -> NAME.error      cpp's diagnostics, when cpp rejects the input (exit status != 0)
# The tests read these files and never run cpp. Made with: cpp (Debian 12.2.0-14) 12.2.0.
set -eu
cd "$(dirname "$0")/.."
for src in fixtures/cpp/*.dts; do
  base=${src%.dts}
  rm -f "$base.expected" "$base.error"
  if cpp -nostdinc -I fixtures/cpp/include -undef -D__DTS__ -x assembler-with-cpp "$src" \
      >"$base.out" 2>"$base.err"; then
    grep -v '^# [0-9][0-9]* "' "$base.out" >"$base.expected" || true
  else
    cp "$base.err" "$base.error"
  fi
  rm -f "$base.out" "$base.err"
done
