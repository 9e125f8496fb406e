#!/usr/bin/env bash
# Packages the extension as a user of a dtmap clone would, in a temporary folder outside the
# clone: copies this folder, installs vscode-languageclient there, bundles it with the clone's
# esbuild (build.mjs), and runs @vscode/vsce (installed in the temporary folder, never in the
# project) to make the .vsix; then lists what the .vsix holds. Needs node, npm and the registry.
# Usage: editors/vscode/package.sh [OUT_DIR]  (keeps the .vsix in OUT_DIR when given)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dtmap-vscode-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/ext" "$work/tools"
(cd "$here" && tar --exclude=node_modules --exclude=dist --exclude=schema -cf - .) | tar -xf - -C "$work/ext"
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
echo "\$ npm install (vscode-languageclient, in a copy of editors/vscode)"
(cd "$work/ext" && npm install --no-package-lock --loglevel=error)
echo "\$ node build.mjs"
node "$here/build.mjs" "$work/ext"
ls -l "$work/ext/dist/extension.js" | awk '{ print "dist/extension.js: " $5 " bytes" }'
echo "\$ node: load dist/extension.js (with a stand-in for the vscode module)"
node -e '
  const Module = require("node:module");
  const load = Module._load;
  // every name of it is a constructible function (an ES module to the bundle: no copying of names)
  const stub = new Proxy(function () {}, { get: (t, k) => (k === "prototype" ? {} : stub), construct: () => stub, apply: () => stub });
  Module._load = function (request, ...rest) { return request === "vscode" ? stub : load.call(this, request, ...rest); };
  try {
    const ext = require(process.argv[1]);
    console.log("exports: " + Object.keys(ext).sort().join(", "));
  } catch (e) {
    console.log("load failed: " + e.message);
    process.exit(1);
  }' "$work/ext/dist/extension.js"
echo "\$ npm install @vscode/vsce (in a temporary folder)"
(cd "$work/tools" && npm init -y >/dev/null && npm install --no-package-lock --loglevel=error @vscode/vsce)
vsce=$work/tools/node_modules/.bin/vsce
echo "vsce $("$vsce" --version)"
echo "\$ vsce package --no-dependencies --allow-missing-repository"
(cd "$work/ext" && "$vsce" package --no-dependencies --allow-missing-repository -o "$work/dtmap.vsix")
echo "\$ unzip -l dtmap.vsix"
node -e '
  // a .vsix is a zip: its central directory lists the files
  const b = require("node:fs").readFileSync(process.argv[1]);
  const end = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  let at = b.readUInt32LE(end + 16);
  for (let n = b.readUInt16LE(end + 10); n > 0; n--) {
    const size = b.readUInt32LE(at + 24), name = b.readUInt16LE(at + 28), extra = b.readUInt16LE(at + 30), note = b.readUInt16LE(at + 32);
    console.log(String(size).padStart(9) + "  " + b.toString("utf8", at + 46, at + 46 + name));
    at += 46 + name + extra + note;
  }' "$work/dtmap.vsix"
if [ $# -gt 0 ]; then
  mkdir -p "$1" && cp "$work/dtmap.vsix" "$1/" && echo "kept $1/dtmap.vsix"
fi
