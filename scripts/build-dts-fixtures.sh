#!/bin/bash
# Rebuilds the DTS parser's reference blobs with dtc, the oracle:
#   fixtures/dts/NAME.dts      -> NAME.dtb      (dtc -I dts -O dtb -b 0)
#                              -> NAME.sym.dtb  (the same with -@, for __symbols__)
#   fixtures/dts/fail/NAME.dts -> NAME.err      (dtc's messages; dtc must refuse the file)
#   fixtures/qemu/NAME.dtb     -> fixtures/dts/dtb-roundtrip/NAME.dtb (dtc -I dtb -O dtb)
#   fixtures/dts/cpp/board.dts -> board.dtb     (cpp with the kernel's flags | dtc)
# dtc is Debian 12's 1.6.1 (`DTC=...` to override). Fixtures whose first line says `dtc 1.7`
# need the 1.7 grammar and are built with the kernel's bundled dtc 1.7.0 (`DTC17=...`, default:
# the one scripts/kernel-corpus.sh builds, CORPUS/tools/dtc-kernel, CORPUS being $DTMAP_CORPUS or
# corpus/ at the top of the repository).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo/fixtures/dts"
DTC=${DTC:-dtc}
DTC17=${DTC17:-${DTMAP_CORPUS:-$repo/corpus}/tools/dtc-kernel}
"$DTC" --version | grep -q 'DTC 1.6.1' || echo "warning: $("$DTC" --version) is not dtc 1.6.1" >&2

for f in *.dts; do
  base=${f%.dts}
  tool=$DTC
  if head -n 3 "$f" | grep -q 'dtc 1\.7'; then
    tool=$DTC17
    [[ -x $tool ]] || { echo "$f needs dtc 1.7 ($tool not found); skipped" >&2; continue; }
  fi
  "$tool" -q -I dts -O dtb -b 0 -o "$base.dtb" "$f"
  "$tool" -q -I dts -O dtb -b 0 -@ -o "$base.sym.dtb" "$f"
done

for f in fail/*.dts; do
  base=${f%.dts}
  if "$DTC" -q -I dts -O dtb -b 0 -o /dev/null "$f" 2> "$base.err"; then
    echo "$f: dtc accepted it, but it is a must-fail fixture" >&2
    exit 1
  fi
done

mkdir -p dtb-roundtrip
for f in ../qemu/*.dtb; do
  "$DTC" -q -I dtb -O dtb -o "dtb-roundtrip/$(basename "$f")" "$f"
done

# readDts end to end: the kernel's cpp flags, then dtc (with -i for dtc's own /include/)
(cd cpp && cpp -nostdinc -I include -undef -D__DTS__ -x assembler-with-cpp board.dts |
  "$DTC" -q -I dts -O dtb -b 0 -i . -o board.dtb -)
echo "fixtures/dts rebuilt with $("$DTC" --version)"
