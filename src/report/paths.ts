import { relative, sep } from 'node:path';

/** A path relative to the working directory, with forward slashes (what CI tools expect). */
export function relPath(file: string, cwd = process.cwd()): string {
  if (file === '-') return file;
  const r = relative(cwd, file) || file;
  return sep === '/' ? r : r.split(sep).join('/');
}
