#!/usr/bin/env bash
# Tries the README's Neovim snippet ("In the editor") as a user would: the Lua block is taken from
# README.md as written and is the whole init.lua of a headless Neovim (no plugins, no user
# config), with `dtmap` on the PATH running this checkout. In a copy of the small kernel tree of
# fixtures/lsp/ (a `.git` folder marks its top), it opens rk3399-base.dtsi alone, waits for the
# diagnostics, asks for a hover on a `&label`, then opens a board to show the one client is shared.
# Needs nvim (Debian 12: `apt-get install neovim`, 0.7.2) and node; builds dist/ when it is missing.
# Everything is in a temporary folder, removed at the end. Exit 0 when diagnostics arrived.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/dtmap-nvim-XXXXXX")
trap 'rm -rf "$work"' EXIT
[ -f "$repo/dist/cli.cjs" ] && [ -f "$repo/dist/lsp.cjs" ] || (cd "$repo" && node scripts/build.mjs --no-types)
mkdir -p "$work/bin"
printf '#!/bin/sh\nexec node "%s/bin/dtmap.cjs" "$@"\n' "$repo" >"$work/bin/dtmap"
chmod +x "$work/bin/dtmap"
export PATH="$work/bin:$PATH"
# Neovim's own files (log, shada, state) in the temporary folder too
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state XDG_CACHE_HOME=$work/cache
awk '/^- \*\*Neovim\*\*/ { on = 1; next } on && /^  ```lua/ { lua = 1; next } lua && /^  ```/ { exit } lua { sub(/^  /, ""); print }' \
  "$repo/README.md" >"$work/init.lua"
cp -r "$repo/fixtures/lsp/linux" "$work/tree"
mkdir "$work/tree/.git"
cat >"$work/probe.lua" <<'LUA'
local out = function(s) io.stdout:write(s .. '\n') end
local rel = function(p) return (p:gsub('^' .. vim.pesc(vim.env.TREE) .. '/', '')) end
local sev = { 'error', 'warning', 'info', 'hint' }
local got = vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100)
out('nvim ' .. tostring(vim.version().major) .. '.' .. vim.version().minor .. '.' .. vim.version().patch
  .. ', vim.lsp.start: ' .. (vim.lsp.start and 'yes' or 'no (0.7: start_client + buf_attach_client)'))
for _, c in pairs(vim.lsp.buf_get_clients(0)) do
  out('client ' .. c.name .. ' (id ' .. c.id .. '), root_dir ' .. (c.config.root_dir == vim.env.TREE and '<tree>' or c.config.root_dir))
end
out('diagnostics of ' .. rel(vim.api.nvim_buf_get_name(0)) .. ' (' .. (got and 'arrived' or 'NONE after 20 s') .. '):')
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  out(string.format('  %d:%d %s %s: %s', d.lnum + 1, d.col + 1, sev[d.severity], tostring(lsp.code), d.message))
  if lsp.codeDescription then out('    rule page: ' .. rel(vim.uri_to_fname(lsp.codeDescription.href):gsub('^' .. vim.pesc(vim.env.REPO), '<repo>'))) end
end
-- hover on a label outside any map: `&pcie0_intc` in the interrupt-map
local line = vim.fn.search('&pcie0_intc') - 1
local col = vim.fn.getline(line + 1):find('&pcie0_intc') + 1
local params = { textDocument = vim.lsp.util.make_text_document_params(), position = { line = line, character = col } }
for _, r in pairs(vim.lsp.buf_request_sync(0, 'textDocument/hover', params, 10000) or {}) do
  if r.result then
    out('hover at ' .. (line + 1) .. ':' .. (col + 1) .. ':')
    for l in r.result.contents.value:gmatch('[^\n]+') do out('  ' .. l) end
  end
end
-- a second buffer of the same workspace: the same client
vim.cmd('edit ' .. vim.env.TREE .. '/arch/arm64/boot/dts/rockchip/rk3399-firefly.dts')
vim.wait(5000, function() return next(vim.lsp.buf_get_clients(0)) ~= nil end, 100)
local ids = {}
for _, c in pairs(vim.lsp.get_active_clients()) do table.insert(ids, c.name .. ' ' .. c.id .. ' on ' .. #vim.tbl_keys(c.attached_buffers) .. ' buffers') end
out('active clients after opening rk3399-firefly.dts: ' .. table.concat(ids, ', '))
vim.cmd(got and 'qa!' or 'cq')
LUA
cd "$work/tree"
echo "\$ nvim --headless -u init.lua arch/arm64/boot/dts/rockchip/rk3399-base.dtsi (init.lua: README.md's snippet)"
TREE=$work/tree REPO=$repo nvim --headless -i NONE -u "$work/init.lua" arch/arm64/boot/dts/rockchip/rk3399-base.dtsi \
  -c "luafile $work/probe.lua"
