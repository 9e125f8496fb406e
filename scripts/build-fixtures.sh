#!/bin/sh
# Compile the self-contained DTS fixtures into DTBs that sit beside them (and are committed).
#
#   scripts/build-fixtures.sh [FOLDER...]      (default: fixtures/rules)
#
# Every *.dts under each FOLDER (recursively) is compiled with Debian's dtc, unless it uses the
# C preprocessor (`#include`): those need cpp and are not fixtures this script owns.
# Flags: `-I dts -O dtb -b 0` as the kernel builds, plus `-@` so that the blob keeps the labels
# in `__symbols__` (dtmap's `--node LABEL` needs them on DTB input). `-@` also gives every
# labelled node a phandle after the referenced ones, so the phandles the maps use do not move.
# dtc warnings are shown and allowed; a dtc error stops the script with exit status 1.
# Set DTC to use another dtc (the oracle is Debian 12's 1.6.1 at /usr/bin/dtc).
# File names must not contain white space.
set -eu

DTC=${DTC:-/usr/bin/dtc}
root=$(cd "$(dirname "$0")/.." && pwd)

# Folders given are relative to where the script is run; the default is the repository's.
if [ "$#" -eq 0 ]; then
	set -- "$root/fixtures/rules"
fi

if ! command -v "$DTC" >/dev/null 2>&1; then
	echo "build-fixtures: $DTC not found (apt-get install device-tree-compiler)" >&2
	exit 1
fi

built=0
skipped=0
for dir in "$@"; do
	if [ ! -d "$dir" ]; then
		echo "build-fixtures: $dir: not a folder" >&2
		exit 1
	fi
	# sorted, so the output order (and any failure) is the same on every machine
	for dts in $(find "$dir" -type f -name '*.dts' | LC_ALL=C sort); do
		if grep -q '^[[:space:]]*#[[:space:]]*include' "$dts"; then
			echo "skip  $dts (uses #include)"
			skipped=$((skipped + 1))
			continue
		fi
		dtb=${dts%.dts}.dtb
		if ! "$DTC" -I dts -O dtb -b 0 -@ -o "$dtb.tmp" "$dts"; then
			rm -f "$dtb.tmp"
			echo "build-fixtures: dtc failed on $dts" >&2
			exit 1
		fi
		mv "$dtb.tmp" "$dtb"
		echo "built ${dtb#"$root"/}"
		built=$((built + 1))
	done
done
echo "build-fixtures: $built built, $skipped skipped"
