// `dtmap lsp --stdio`: the language server, src/lsp.
import { createRequire } from 'node:module';
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('lsp')
    .description('language server (LSP) for .dts and .dtsi files in an editor')
    .option('--stdio', 'talk LSP on stdin and stdout (the only transport, and the default)')
    .action(() => {
      // its own bundle (dist/lsp.cjs): the other commands never load the LSP libraries
      const { startServer } = createRequire(import.meta.url)('./lsp.cjs') as typeof import('../../lsp/server.js');
      startServer();
    });
}
