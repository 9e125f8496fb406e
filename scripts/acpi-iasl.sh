#!/bin/bash
# Regenerate the iasl disassemblies of the ACPI table fixtures (all outputs are committed; the
# tests need no iasl).
#
#   scripts/acpi-iasl.sh [--acpica CHECKOUT|TARBALL] [--iasl BINARY] [--work DIR] [FIXTURE_DIR...]
#
#   --acpica   an ACPICA source tree (a checkout of acpica/acpica) or a release tarball
#              (acpica-unix-YYYYMMDD.tar.gz); iasl is built from a copy of it (`make iasl`, which
#              needs gcc, make, bison and flex). Default: $ACPICA.
#   --iasl     use this iasl instead of building one. Default: $IASL.
#   --work     where the copy is built and the tables are disassembled. Default: $IASL_WORK, else
#              a fresh temporary directory (removed at the end unless it was given).
#   FIXTURE_DIR  default: fixtures/acpi/laptops
#
# For each table NAME.EXT in a fixture folder (every file but README.md, *.iasl.dsl and
# *.iasl.txt), the table's bytes go to WORK/NAME.EXT and `iasl -d NAME.EXT` runs there, so the
# disassembly names no path of this machine. A .dsl table (a disassembly committed instead of the
# binary) gives its bytes from its "Raw Table Data" hex dump. Output:
#   NAME.iasl.dsl  the disassembly, with the header lines that carry a date or a time removed
#                  (iasl releases before 2019 printed one) and "Disassembly of" cut to the file name
#   NAME.iasl.txt  when iasl refuses the table: what it printed, banner and version lines removed
# The first line written to stdout is `iasl -v`'s version line: put it in the fixture README.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
acpica=${ACPICA:-}
iasl=${IASL:-}
work=${IASL_WORK:-}
dirs=()
while [ $# -gt 0 ]; do
	case $1 in
	--acpica) acpica=$2; shift 2 ;;
	--iasl) iasl=$2; shift 2 ;;
	--work) work=$2; shift 2 ;;
	-h | --help) sed -n '2,24p' "$0"; exit 0 ;;
	-*) echo "acpi-iasl: unknown option $1" >&2; exit 2 ;;
	*) dirs+=("$1"); shift ;;
	esac
done
[ ${#dirs[@]} -gt 0 ] || dirs=("$root/fixtures/acpi/laptops")

cleanup=
if [ -z "$work" ]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/dtmap-iasl.XXXXXX")
	cleanup=$work
fi
trap '[ -z "$cleanup" ] || rm -rf "$cleanup"' EXIT
mkdir -p "$work"
work=$(cd "$work" && pwd)

if [ -z "$iasl" ]; then
	if [ -z "$acpica" ]; then
		echo "acpi-iasl: give --acpica CHECKOUT|TARBALL (or ACPICA=...), or --iasl BINARY" >&2
		exit 2
	fi
	src=$work/acpica-src
	rm -rf "$src"
	mkdir -p "$src"
	if [ -d "$acpica" ]; then
		# Copy only what the build reads, so the user's checkout stays untouched.
		(cd "$acpica" && tar -cf - Makefile generate source) | tar -xf - -C "$src"
	elif [ -f "$acpica" ]; then
		# A release tarball has one top folder (acpica-unix-YYYYMMDD/); `git archive` has none.
		tar -xf "$acpica" -C "$src"
		if [ ! -d "$src/generate" ]; then
			top=$(find "$src" -mindepth 2 -maxdepth 2 -name generate -type d | head -1)
			[ -n "$top" ] || { echo "acpi-iasl: no generate/ folder in $acpica" >&2; exit 2; }
			src=$(dirname "$top")
		fi
	else
		echo "acpi-iasl: $acpica is neither a directory nor a tarball" >&2
		exit 2
	fi
	for tool in make gcc bison flex; do
		command -v $tool >/dev/null 2>&1 || {
			echo "acpi-iasl: $tool not found (Debian: apt-get install build-essential bison flex)" >&2
			exit 1
		}
	done
	echo "acpi-iasl: building iasl in $src" >&2
	make -C "$src" iasl -j"$(nproc 2>/dev/null || echo 2)" >"$work/iasl-build.log" 2>&1 || {
		tail -20 "$work/iasl-build.log" >&2
		exit 1
	}
	iasl=$src/generate/unix/bin/iasl
fi
iasl=$(command -v "$iasl" || true)
[ -x "$iasl" ] || { echo "acpi-iasl: no iasl to run" >&2; exit 1; }
"$iasl" -v | grep -m1 'version'

tables=$work/tables
for dir in "${dirs[@]}"; do
	dir=$(cd "$dir" && pwd)
	for f in "$dir"/*; do
		base=$(basename "$f")
		case $base in README.md | *.iasl.dsl | *.iasl.txt) continue ;; esac
		name=${base%.*}
		rm -rf "$tables"
		mkdir -p "$tables"
		if [ "${base##*.}" = dsl ]; then
			# "    0000: 49 4F 52 54 ...  // IORT..." after the line "Raw Table Data: ..."
			awk '/^Raw Table Data/ { on = 1; next }
				on && /^ *[0-9A-Fa-f]+: / { sub(/^ *[0-9A-Fa-f]+: /, ""); sub(/ *\/\/.*/, ""); print }' \
				"$f" | tr -d ' \r\n' >"$tables/hex"
			[ -s "$tables/hex" ] || { echo "acpi-iasl: $base has no Raw Table Data" >&2; exit 1; }
			node -e 'const fs = require("fs");
				fs.writeFileSync(process.argv[2], Buffer.from(fs.readFileSync(process.argv[1], "utf8"), "hex"))' \
				"$tables/hex" "$tables/$name.bin"
			table=$name.bin
		else
			cp "$f" "$tables/$base"
			table=$base
		fi
		rm -f "$dir/$name.iasl.dsl" "$dir/$name.iasl.txt"
		if (cd "$tables" && "$iasl" -d "$table" >"$tables/log" 2>&1) && [ -f "$tables/$name.dsl" ]; then
			# Drop dated header lines ("Disassembly of x.dat, Tue Dec  8 02:03:14 2026").
			sed -E \
				-e '/^ \* .*[0-9]{1,2}:[0-9]{2}:[0-9]{2}/{/Disassembly of/!d}' \
				-e 's#^( \* Disassembly of )(.*/)?([^/,]*)(,.*)?$#\1\3#' \
				"$tables/$name.dsl" >"$dir/$name.iasl.dsl"
			echo "$name: $(grep -c '^\[' "$dir/$name.iasl.dsl") fields"
		else
			# Keep what iasl says about the table, not its banner.
			grep -v -E '^$|Intel ACPI Component Architecture|Compiler/Disassembler version|Copyright' \
				"$tables/log" >"$dir/$name.iasl.txt" || true
			echo "$name: refused by iasl ($(tail -1 "$dir/$name.iasl.txt"))"
		fi
	done
done
