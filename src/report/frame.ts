// A code frame for DTS input: the source line of the finding and a caret under the entry.
import { readFileSync } from 'node:fs';
import type { Span } from '../tree/model.js';

const cache = new Map<string, string[] | null>();

function sourceLines(file: string): string[] | null {
  if (!cache.has(file)) {
    try {
      cache.set(file, readFileSync(file, 'utf8').split('\n'));
    } catch {
      cache.set(file, null);
    }
  }
  return cache.get(file)!;
}

export function codeFrame(span: Span): string[] | null {
  const lines = sourceLines(span.file);
  const text = lines?.[span.line - 1];
  if (text === undefined) return null;
  const gutter = String(span.line).padStart(5);
  const shown = text.replace(/\t/g, ' ');
  return [`${gutter} | ${shown}`, `${' '.repeat(5)} | ${' '.repeat(Math.max(0, span.column - 1))}^`];
}
