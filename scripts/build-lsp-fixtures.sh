#!/bin/bash
# Copies the language server's fixture boards from a kernel tree (Linux 6.12, Debian's
# linux-source-6.12): two rk3399 boards, their .dtsi chain and the dt-bindings headers they
# include, in the kernel's own layout, so the kernel include path is found as for the real tree.
#   KERNEL=/path/to/linux bash scripts/build-lsp-fixtures.sh
set -euo pipefail
: "${KERNEL:?set KERNEL to a kernel source tree}"
cd "$(dirname "$0")/../fixtures/lsp"
rm -rf linux
dts=arch/arm64/boot/dts/rockchip
mkdir -p "linux/$dts"
for f in rk3399-firefly.dts rk3399-evb.dts rk3399.dtsi rk3399-base.dtsi; do cp "$KERNEL/$dts/$f" "linux/$dts/"; done
for h in input/linux-event-codes.h interrupt-controller/irq.h interrupt-controller/arm-gic.h pwm/pwm.h usb/pd.h \
  clock/rk3399-cru.h gpio/gpio.h pinctrl/rockchip.h power/rk3399-power.h thermal/thermal.h; do
  out=linux/scripts/dtc/include-prefixes/dt-bindings/$h
  mkdir -p "$(dirname "$out")"
  cp -L "$KERNEL/scripts/dtc/include-prefixes/dt-bindings/$h" "$out"
done
