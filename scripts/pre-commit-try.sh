#!/usr/bin/env bash
# Tries the pre-commit hook (.pre-commit-hooks.yaml) as a user of it would, with `pre-commit
# try-repo` on this checkout (its uncommitted changes included): pre-commit clones it, runs
# `npm install` and `npm pack` there, installs the tarball, then runs the hook on a commit of a
# small kernel tree (fixtures/lsp/linux) that touches only a .dtsi. npm works from its cache
# (`--offline`); PRE_COMMIT_HOME and the tree are in a temporary folder, removed at the end.
# Needs pre-commit (Debian: `apt-get install pre-commit`) and git. Exit: the hook's (1: findings).
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dtmap-pre-commit-XXXXXX")
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME=$work/pre-commit-home npm_config_offline=${npm_config_offline:-true}
cp -r "$repo/fixtures/lsp/linux" "$work/tree"
cd "$work/tree"
git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -qm base
# a change to the .dtsi only: the msi-map of rk3399-base.dtsi covers half the buses
sed -i 's/msi-map = <0x0 &its 0x0 0x1000>;/msi-map = <0x0 \&its 0x0 0x800>;/' arch/arm64/boot/dts/rockchip/rk3399-base.dtsi
git add -A
echo "\$ git diff --cached --stat"
git diff --cached --stat
echo "\$ pre-commit try-repo $repo dtmap"
pre-commit try-repo "$repo" dtmap --color never 2>&1
code=$?
echo "exit $code"
exit $code
