// `dtmap audit --collect-script`: a POSIX sh script (busybox ash, dash) that writes the same
// snapshot readSnapshot() reads (snapshot.ts), on a board without Node. Binary files are hex
// from `od -An -tx1 -v`; text is escaped for JSON with sed. Usage: sh audit.sh [FILE [ROOT]].

export const COLLECT_SCRIPT = `#!/bin/sh
# dtmap audit snapshot collector: sh audit.sh [FILE [ROOT]]
# Writes what \`dtmap audit\` reads (the firmware description and every PCI function in
# /sys/bus/pci/devices) as JSON to FILE (default: standard output); read it with
# \`dtmap audit FILE\` on any machine. ROOT (default /) is where the file system is.
set -u
out=\${1:--}
R=\${2:-}
R=\${R%/}
hex() { od -An -tx1 -v "$1" | tr -d ' \\n'; }
txt() { tr '\\n\\t\\r' '   ' <"$1" | sed -e 's/ *$//' -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'; }
str() { if [ -r "$1" ]; then printf '"%s"' "$(txt "$1")"; else printf null; fi; }
link() { l=$(readlink "$1" 2>/dev/null) && printf '"%s"' "\${l##*/}" || printf null; }
blob() { if [ -f "$1" ]; then printf '{"hex":"%s"}' "$(hex "$1")"; else printf null; fi; }
collect() {
  printf '{"dtmapAudit":1,\\n"kernel":%s,\\n"cmdline":%s,\\n' "$(str "$R/proc/sys/kernel/osrelease")" "$(str "$R/proc/cmdline")"
  if [ -d "$R/sys/firmware/acpi/tables" ]; then acpi=true; else acpi=false; fi
  printf '"acpi":%s,\\n"fdt":' $acpi
  fdt=false
  if [ $acpi = false ] && [ -f "$R/sys/firmware/fdt" ]; then blob "$R/sys/firmware/fdt"; fdt=true; else printf null; fi
  printf ',\\n"deviceTree":'
  if [ $acpi = false ] && [ $fdt = false ] && [ -d "$R/proc/device-tree/" ]; then
    printf '{'
    sep=
    (cd "$R/proc/device-tree/" && find . -type f | sort) | while IFS= read -r f; do
      printf '%s\\n"%s":' "$sep" "\${f#./}"
      blob "$R/proc/device-tree/\${f#./}"
      sep=,
    done
    printf '}'
  else
    printf null
  fi
  printf ',\\n"tables":{'
  sep=
  for t in IORT VIOT; do
    if [ $acpi = true ] && [ -f "$R/sys/firmware/acpi/tables/$t" ]; then
      printf '%s"%s":' "$sep" $t
      blob "$R/sys/firmware/acpi/tables/$t"
      sep=,
    fi
  done
  printf '},\\n"iommus":['
  sep=
  for i in "$R"/sys/class/iommu/*; do
    [ -e "$i" ] || continue
    printf '%s"%s"' "$sep" "\${i##*/}"
    sep=,
  done
  printf '],\\n"pci":['
  sep=
  for d in "$R"/sys/bus/pci/devices/*; do
    [ -e "$d" ] || continue
    n=\${d##*/}
    p=$(readlink "$d" 2>/dev/null) || p=$d
    p=\${p%/*}; p=\${p##*/}
    case $p in ????*:??:??.?) p="\\"$p\\"" ;; *) p=null ;; esac
    v=null
    for x in "$d"/virtio*; do [ -e "$x" ] && v=$(link "$x/driver"); done
    g=$(link "$d/iommu_group")
    gt=null
    [ "$g" != null ] && gt=$(str "$d/iommu_group/type")
    m=0
    for x in "$d"/msi_irqs/*; do [ -e "$x" ] && m=$((m+1)); done
    printf '%s\\n{"name":"%s","parent":%s,"class":%s,"vendor":%s,"device":%s,"driver":%s,"virtioDriver":%s,"iommuGroup":%s,"groupType":%s,"msiIrqs":%s}' \\
      "$sep" "$n" "$p" "$(str "$d/class")" "$(str "$d/vendor")" "$(str "$d/device")" "$(link "$d/driver")" "$v" "$g" "$gt" $m
    sep=,
  done
  printf ']}\\n'
}
if [ "$out" = - ]; then
  collect
else
  collect >"$out.tmp" && mv "$out.tmp" "$out"
fi
`;
