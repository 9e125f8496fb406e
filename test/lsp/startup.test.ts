// The language server is its own bundle: the other commands neither contain nor load it.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const run = (args: string[], input = '') =>
  spawnSync(process.execPath, ['-r', './test/lsp/load-hook.cjs', 'bin/dtmap.cjs', ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, NO_COLOR: '1' },
  });

describe('lazy loading', () => {
  it('dist/cli.cjs holds no LSP code; dist/lsp.cjs does', () => {
    expect(readFileSync('dist/cli.cjs', 'utf8')).not.toContain('textDocument/publishDiagnostics');
    expect(readFileSync('dist/lsp.cjs', 'utf8')).toContain('textDocument/publishDiagnostics');
  });

  it('dtmap query does not load dist/lsp.cjs; dtmap lsp does', () => {
    const q = run(['query', 'fixtures/qemu/virt-virtio-iommu.dtb', '00:02.0']);
    expect(q.status).toBe(0);
    expect(q.stderr).not.toContain('[loaded lsp.cjs]');
    // stdin at its end: the server loads, sees no client and exits
    const l = run(['lsp', '--stdio']);
    expect(l.stderr).toContain('[loaded lsp.cjs]');
  });
});
