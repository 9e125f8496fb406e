import type { DNode, LiveTree } from './livetree.js';

/** Names close to `name` (edit distance), best first, at most three. */
export function suggest(name: string, candidates: Iterable<string>, ignoreUnit = false): string[] {
  const max = Math.max(1, Math.floor(name.length / 3));
  const scored: [number, string][] = [];
  const base = ignoreUnit ? name.split('@')[0]! : name;
  for (const c of candidates) {
    if (c === name) continue;
    let d = distance(name, c, max);
    if (ignoreUnit && d > max && c.split('@')[0] === base) d = max;
    if (d <= max) scored.push([d, c]);
  }
  scored.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  return scored.slice(0, 3).map((s) => s[1]);
}

/** Levenshtein distance, giving up (returning max + 1) once it must exceed `max`. */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (cur[j]! < best) best = cur[j]!;
    }
    if (best > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** What is near a reference that does not resolve: similar labels, or the missing path part. */
export function refHint(tree: LiveTree, ref: string): string {
  if (ref.charCodeAt(0) !== 47) {
    const slash = ref.indexOf('/');
    const label = slash < 0 ? ref : ref.slice(0, slash);
    const target = tree.byLabel(label);
    if (!target) {
      const near = suggest(label, tree.labelNames());
      return near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : '';
    }
    return pathHint(target, ref.slice(slash + 1), `&${label}`);
  }
  return pathHint(tree.root, ref, '');
}

function pathHint(from: DNode, path: string, prefix: string): string {
  let node = from;
  let shown = prefix;
  for (const part of path.split('/')) {
    if (!part) continue;
    const next = node.children.find((c) => !c.deleted && c.name === part);
    if (!next) {
      const names = node.children.filter((c) => !c.deleted).map((c) => c.name);
      const near = suggest(part, names, true);
      const where = shown || '/';
      return `; ${where} has no child '${part}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ''}`;
    }
    node = next;
    shown = `${shown}/${part}`;
  }
  return '';
}
