#!/usr/bin/env bash
# scripts/kernel-corpus.sh [--dest DIR] [ARCH...]
#
# Builds the kernel corpus that `npm run bench`, `npm run corpus`, scripts/cpp-diff.mjs and
# scripts/build-dts-fixtures.sh read:
#   DIR/linux/                 the devicetree part of the Linux 6.12 tree (arch/{arm64,arm,riscv}/boot/dts,
#                              include/dt-bindings, scripts/dtc with include-prefixes, drivers/of/base.c
#                              and the other files docs/semantics.md cites)
#   DIR/tools/dtc-kernel       the kernel's own bundled dtc (1.7.0), for the boards Debian's dtc 1.6.1 rejects
#   DIR/dtb/ARCH/.../NAME.dtb  every board of ARCH built the kernel's way: cpp with the kernel's flags, then dtc -b 0
#   DIR/dtb/compiler-of.txt    the boards built by DIR/tools/dtc-kernel rather than dtc (one "ARCH/PATH.dtb TOOL" a line)
#
# DIR: --dest, else $DTMAP_CORPUS, else corpus/ at the top of this repository (git-ignored).
# ARCH: any of arm64 arm riscv; default arm64. The kernel comes from Debian's package
# ($LINUX_SOURCE_PKG, default linux-source-6.12, fetched with `apt-get download`), or from a kernel
# tarball named by $LINUX_TARBALL (e.g. linux-6.12.tar.xz from kernel.org) on other systems.
# Missing tools (dtc, cpp, flex, bison, cc, xz) are installed with apt-get when running as root.
#
# Every step is skipped when its result is already there, so a rerun only builds what is missing
# (a board whose .dtb exists is not compiled again). About 170 MB of disk for all three arches.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
dest=${DTMAP_CORPUS:-$repo/corpus}
arches=()
while (($#)); do
  case $1 in
    --dest) dest=${2:?--dest needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    arm64|arm|riscv) arches+=("$1"); shift ;;
    *) echo "kernel-corpus.sh: unknown argument '$1' (ARCH is arm64, arm or riscv)" >&2; exit 2 ;;
  esac
done
((${#arches[@]})) || arches=(arm64)
pkg=${LINUX_SOURCE_PKG:-linux-source-6.12}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

step() { printf 'kernel-corpus: %s\n' "$*"; }

# --- tools ---------------------------------------------------------------------------------
missing=()
for tool in dtc:device-tree-compiler cpp:cpp flex:flex bison:bison cc:gcc xz:xz-utils; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
if ((${#missing[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    step "installing ${missing[*]}"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "kernel-corpus.sh: please install ${missing[*]}" >&2
    exit 1
  fi
fi

# --- kernel sources: only the parts a devicetree build reads --------------------------------
linux=$dest/linux
if [[ -f $linux/scripts/dtc/dtc-parser.y ]]; then
  step "kernel tree: $linux (already there)"
else
  tarball=${LINUX_TARBALL:-}
  if [[ -z $tarball ]]; then
    step "downloading $pkg"
    (cd "$scratch" && { apt-get download -qq "$pkg" 2>/dev/null || { apt-get update -qq && apt-get download -qq "$pkg"; }; }) ||
      { echo "kernel-corpus.sh: cannot download $pkg (set LINUX_TARBALL to a kernel .tar.xz instead)" >&2; exit 1; }
    dpkg-deb --fsys-tarfile "$scratch/${pkg}"_*.deb | tar -x -C "$scratch" --wildcards './usr/src/*.tar.xz'
    tarball=$(echo "$scratch"/usr/src/*.tar.xz)
  fi
  step "unpacking $(basename "$tarball")"
  mkdir -p "$scratch/linux"
  # The top folder's name differs (linux-source-6.12/, linux-6.12/): strip it.
  tar -xJf "$tarball" -C "$scratch/linux" --strip-components=1 --wildcards \
    '*/arch/arm64/boot/dts' '*/arch/arm/boot/dts' '*/arch/riscv/boot/dts' \
    '*/include/dt-bindings' '*/include/uapi/linux/input-event-codes.h' '*/scripts/dtc' \
    '*/drivers/of/base.c' '*/drivers/of/irq.c' '*/drivers/iommu/of_iommu.c' '*/drivers/pci/of.c'
  rm -rf "$linux" && mv "$scratch/linux" "$linux" # appears only when complete
fi

# --- the kernel's bundled dtc (1.7.0), built without YAML output ----------------------------
kdtc=$dest/tools/dtc-kernel
if [[ -x $kdtc ]]; then
  step "bundled dtc: $kdtc (already there)"
else
  step "building the kernel's bundled dtc"
  cp -r "$linux/scripts/dtc" "$scratch/dtc"
  (
    cd "$scratch/dtc"
    bison -d -o dtc-parser.tab.c dtc-parser.y 2>/dev/null
    flex -o dtc-lexer.lex.c dtc-lexer.l
    cc -O2 -w -DNO_YAML -I. -Ilibfdt -o dtc \
      dtc.c checks.c data.c flattree.c fstree.c livetree.c srcpos.c treesource.c util.c \
      dtc-lexer.lex.c dtc-parser.tab.c libfdt/fdt*.c
  )
  mkdir -p "$dest/tools" && mv "$scratch/dtc/dtc" "$kdtc"
fi

# --- boards: cpp, then dtc, as scripts/Makefile.dtbs does; dtc 1.6.1 first, the bundled one if it refuses
build_board() { # build_board ARCH FILE.dts (run from the kernel tree)
  local arch=$1 dts=$2 out tool
  out=$dest/dtb/$arch/${dts#arch/$arch/boot/dts/}
  out=${out%.dts}.dtb
  [[ -s $out ]] && return 0
  mkdir -p "${out%/*}"
  for tool in dtc "$kdtc"; do
    if cpp -nostdinc -I scripts/dtc/include-prefixes -undef -D__DTS__ -x assembler-with-cpp "$dts" 2>/dev/null |
      "$tool" -q -I dts -O dtb -b 0 -i "$(dirname "$dts")" -i scripts/dtc/include-prefixes \
        -Wno-unique_unit_address -Wno-unit_address_vs_reg -Wno-avoid_unnecessary_addr_size \
        -Wno-alias_paths -Wno-graph_child_address -Wno-simple_bus_reg -o "$out.part" - 2>/dev/null; then
      mv "$out.part" "$out"
      [[ $tool == dtc ]] || echo "${out#"$dest"/dtb/} dtc-kernel-1.7.0" >>"$dest/dtb/compiler-of.txt"
      return 0
    fi
  done
  rm -f "$out.part"
  echo "kernel-corpus: no dtc accepts $dts" >&2
  return 1
}
export -f build_board
export dest kdtc

cd "$linux"
status=0
for arch in "${arches[@]}"; do
  mkdir -p "$dest/dtb/$arch"
  boards=$(find "arch/$arch/boot/dts" -name '*.dts' | wc -l)
  have=$(find "$dest/dtb/$arch" -name '*.dtb' | wc -l)
  step "$arch: $boards boards, $have already built"
  # set -o pipefail inside: a cpp failure must not leave a blob built from partial output
  find "arch/$arch/boot/dts" -name '*.dts' | sort |
    xargs -P "$(nproc)" -n 1 bash -c 'set -o pipefail; build_board "$0" "$1"' "$arch" || status=1
  step "$arch: $(find "$dest/dtb/$arch" -name '*.dtb' | wc -l) DTBs in $dest/dtb/$arch"
done
exit $status
