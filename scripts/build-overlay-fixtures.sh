#!/bin/sh
# Build the overlay fixtures in fixtures/overlay/ (all outputs are committed; the tests need no dtc).
#
#   scripts/build-overlay-fixtures.sh
#
#   base.dts            -> base.dtb            (dtc -@ -b 0: labels kept in __symbols__)
#                       -> base-nosymbols.dtb  (dtc -b 0: no __symbols__, for the error case)
#                       -> base-both.dtb       (dtc -@ -b 0 -H both: linux,phandle beside phandle)
#   NAME.dtso           -> NAME.dtbo           (dtc -@: __symbols__, __fixups__, __local_fixups__)
#   base.dtb + NAME.dtbo -> NAME.expected.dtb  (fdtoverlay, the oracle); a few on other bases:
#   base-both.dtb + quirks.dtbo -> quirks-both.expected.dtb,
#   ../qemu/virt-virtio-iommu.dtb + qemu-path.dtbo -> qemu-path.expected.dtb
#   fail-*.dtbo         -> fdtoverlay must fail; its message goes to fail-*.fdtoverlay.txt
#
# The oracle is Debian 12's fdtoverlay (device-tree-compiler 1.6.1). One fixture needs libfdt
# 1.7 or later: phandle-conflict (1.6.1 overwrote the phandle of a base node that an overlay node
# with a phandle merges into; 1.7.0 added overlay_prevent_phandle_overwrite). Its expected blob is
# only rebuilt when FDTOVERLAY17 names an fdtoverlay built from dtc >= 1.7 (the committed one was
# made with dtc v1.8.1 built from source: `make NO_PYTHON=1 NO_YAML=1 fdtoverlay`, run with
# LD_LIBRARY_PATH=libfdt); set FDTOVERLAY17_LIB to its libfdt folder when it is linked dynamically.
set -eu

DTC=${DTC:-/usr/bin/dtc}
FDTOVERLAY=${FDTOVERLAY:-/usr/bin/fdtoverlay}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/fixtures/overlay"

for tool in "$DTC" "$FDTOVERLAY"; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "build-overlay-fixtures: $tool not found (apt-get install device-tree-compiler)" >&2
		exit 1
	fi
done

# Overlays cannot know their target's #address-cells, so dtc's reg checks misfire on them.
QUIET="-Wno-reg_format -Wno-avoid_default_addr_size -Wno-unit_address_vs_reg -Wno-pci_bridge -Wno-iommus_property -Wno-ranges_format"

"$DTC" -q -@ -I dts -O dtb -b 0 -o base.dtb base.dts
"$DTC" -q -I dts -O dtb -b 0 -o base-nosymbols.dtb base.dts
"$DTC" -q -@ -I dts -O dtb -b 0 -H both -o base-both.dtb base.dts
echo "dtc   base.dts -> base.dtb, base-nosymbols.dtb, base-both.dtb"

for dtso in $(ls *.dtso | LC_ALL=C sort); do
	# shellcheck disable=SC2086
	"$DTC" $QUIET -@ -I dts -O dtb -o "${dtso%.dtso}.dtbo" "$dtso"
	echo "dtc   $dtso -> ${dtso%.dtso}.dtbo"
done

apply() { # BASE OUT TOOL OVERLAY...
	in=$1
	out=$2
	tool=$3
	shift 3
	"$tool" -i "$in" -o "$out" "$@"
	echo "apply $in + $* -> $out"
}

for name in add-pcie target-path modify quirks; do
	apply base.dtb "$name.expected.dtb" "$FDTOVERLAY" "$name.dtbo"
done
apply base.dtb stack.expected.dtb "$FDTOVERLAY" add-pcie.dtbo stack.dtbo
apply base-both.dtb quirks-both.expected.dtb "$FDTOVERLAY" quirks.dtbo
apply ../qemu/virt-virtio-iommu.dtb qemu-path.expected.dtb "$FDTOVERLAY" qemu-path.dtbo

if [ -n "${FDTOVERLAY17:-}" ]; then
	LD_LIBRARY_PATH=${FDTOVERLAY17_LIB:-${LD_LIBRARY_PATH:-}} apply base.dtb phandle-conflict.expected.dtb "$FDTOVERLAY17" phandle-conflict.dtbo
else
	echo "keep  phandle-conflict.expected.dtb (set FDTOVERLAY17 to rebuild it with dtc >= 1.7)"
fi

fail() { # BASE OVERLAY
	log=${2%.dtbo}.fdtoverlay.txt
	if [ "$1" != base.dtb ]; then log=${2%.dtbo}.on-${1%.dtb}.fdtoverlay.txt; fi
	if "$FDTOVERLAY" -i "$1" -o /dev/null "$2" >"$log" 2>&1; then
		echo "build-overlay-fixtures: fdtoverlay applied $2 to $1, expected a failure" >&2
		exit 1
	fi
	sed -i '/^$/d' "$log"
	echo "fail  $1 + $2: $(cat "$log")"
}

for dtbo in $(ls fail-*.dtbo | LC_ALL=C sort); do
	fail base.dtb "$dtbo"
done
fail base-nosymbols.dtb add-pcie.dtbo
