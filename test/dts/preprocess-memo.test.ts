// Memoised inclusions (src/dts/preprocess/memo.ts): a file included again in the same
// circumstances is replayed, not run; the result must be exactly what running it gives, and a
// change in anything the file looked at must make it run again.

import { afterEach, describe, expect, it } from 'vitest';
import { clearFileCache, preprocess, setFileCacheLimit, type Preprocessed } from '../../src/dts/preprocess/index.js';

/** Everything a run produces, with locate() sampled at every offset. */
function snapshot(r: Preprocessed) {
  const spans = [];
  for (let o = 0; o <= r.text.length; o++) spans.push(r.locate(o));
  return { text: r.text, files: r.files, suppressions: r.suppressions, spans };
}

/** Preprocesses each main file in turn with one cache, and each again with a fresh cache. */
function compare(files: Record<string, string>, mains: string[], includeDirs: string[] = []) {
  const opts = { readFile: (p: string) => files[p], includeDirs };
  clearFileCache();
  const warm = mains.map((m) => snapshot(preprocess(m, opts)));
  const cold = mains.map((m) => {
    clearFileCache();
    return snapshot(preprocess(m, opts));
  });
  for (let i = 0; i < mains.length; i++) expect(warm[i], mains[i]).toEqual(cold[i]);
  return warm;
}

afterEach(() => {
  setFileCacheLimit(32 * 1024 * 1024);
  clearFileCache();
});

const header = `#ifndef _H
#define _H
#define IRQ(n) (n + BASE)
#define FLAG 4
#endif
`;

describe('memoised inclusions give what running the file gives', () => {
  it('a header and a .dtsi included by several boards', () => {
    const files = {
      'h.h': header,
      'soc.dtsi': '#include "h.h"\n/ {\n\tsoc {\n\t\tinterrupts = <IRQ(3) FLAG>;\n\t};\n};\n',
      'a.dts': '/dts-v1/;\n#define BASE 32\n#include "soc.dtsi"\n/ { model = "a"; };\n',
      'b.dts': '/dts-v1/;\n#define BASE 32\n#include "soc.dtsi"\n/ { model = "b"; };\n',
      'c.dts': '/dts-v1/;\n#define BASE 64\n#include "soc.dtsi"\n',
      'd.dts': '/dts-v1/;\n#include "h.h"\n#define BASE 32\n\n\n#include "soc.dtsi"\n',
    };
    const [a, b, c, d] = compare(files, ['a.dts', 'b.dts', 'c.dts', 'd.dts']);
    expect(a!.text).toContain('(3 + 32)');
    expect(b!.text).toContain('(3 + 32)');
    expect(c!.text).toContain('(3 + 64)'); // BASE differs: the .dtsi runs again
    expect(d!.text).toContain('(3 + 32)'); // h.h already included: its guard skips it
    expect(d!.files).toEqual(['d.dts', 'h.h', 'soc.dtsi']);
  });

  it('the same file twice in one run, at different depths and lines', () => {
    const files = {
      'x.dtsi': 'x-prop = <1>;\n',
      'y.dtsi': '\n\n#include "x.dtsi"\n',
      'main.dts': '/ {\n#include "x.dtsi"\n\tn {\n#include "y.dtsi"\n#include "x.dtsi"\n\t};\n};\n',
    };
    const [m] = compare(files, ['main.dts', 'main.dts']);
    expect(m!.spans.filter((s) => s.file === 'x.dtsi').map((s) => s.includedFrom?.join(' > '))).toContain(
      'main.dts:4 > y.dtsi:3',
    );
  });

  it('#undef, #pragma once and macros a file redefines', () => {
    const files = {
      'once.h': '#pragma once\n#define ONCE 1\n',
      'redef.h': '#undef FLAG\n#define FLAG 8\n#include "once.h"\n',
      'a.dts': '#define FLAG 1\n#include "redef.h"\nv = <FLAG ONCE>;\n#include "redef.h"\n#include "once.h"\n',
      'b.dts': '#include "once.h"\n#include "redef.h"\nv = <FLAG ONCE>;\n',
    };
    const [a, b] = compare(files, ['a.dts', 'b.dts', 'a.dts']);
    expect(a!.text).toContain('v = <8 1>');
    expect(b!.text).toContain('v = <8 1>');
  });

  it("#if, defined() and __has_include look at the including file's macros", () => {
    const files = {
      'cfg.h':
        '#if defined(WIDE) && WIDE > 1\nw = <2>;\n#elif __has_include("extra.h")\nw = <3>;\n#else\nw = <1>;\n#endif\n',
      'extra.h': '',
      'a.dts': '#define WIDE 2\n#include "cfg.h"\n',
      'b.dts': '#define WIDE 1\n#include "cfg.h"\n',
      'c.dts': '#include "cfg.h"\n',
    };
    const [a, b, c] = compare(files, ['a.dts', 'b.dts', 'c.dts', 'a.dts']);
    expect(a!.text).toContain('w = <2>');
    expect(b!.text).toContain('w = <3>');
    expect(c!.text).toContain('w = <3>');
  });

  it('spacing that depends on what was printed before the #include', () => {
    const files = {
      'hash.h': '# not a directive\nx\n',
      'main.dts': '#define E\nE\n#include "hash.h"\nx\n#include "hash.h"\n',
    };
    compare(files, ['main.dts', 'main.dts']);
  });

  it('files using __LINE__, __FILE__ and __COUNTER__ are run each time', () => {
    const files = {
      'b.h': 'line = <__LINE__>; file = __FILE__; n = <__COUNTER__>;\n',
      'main.dts': '#include "b.h"\n#include "b.h"\n',
    };
    const [m] = compare(files, ['main.dts', 'main.dts']);
    expect(m!.text).toContain('n = <0>');
    expect(m!.text).toContain('n = <1>');
  });

  it('include_next and -I folders', () => {
    const files = {
      'inc1/h.h': '#include_next <h.h>\none = <1>;\n',
      'inc2/h.h': 'two = <2>;\n',
      'main.dts': '#include <h.h>\n#include <h.h>\n',
    };
    const [m] = compare(files, ['main.dts', 'main.dts'], ['inc1', 'inc2']);
    expect(m!.text.match(/two/g)).toHaveLength(2);
  });

  it('suppression comments in a replayed file', () => {
    const files = {
      'h.dtsi': '// dtmap-disable-next-line iommu-map-overlap\nx = <1>;\n',
      'main.dts': '#include "h.dtsi"\n',
    };
    const [m] = compare(files, ['main.dts', 'main.dts']);
    expect(m!.suppressions).toHaveLength(1);
  });

  it('a changed file is not replayed', () => {
    const files: Record<string, string> = { 'h.dtsi': 'v = <1>;\n', 'main.dts': '#include "h.dtsi"\n' };
    const opts = { readFile: (p: string) => files[p] };
    expect(preprocess('main.dts', opts).text).toContain('v = <1>');
    files['h.dtsi'] = 'v = <2>;\n';
    expect(preprocess('main.dts', opts).text).toContain('v = <2>');
  });

  it('works with no cache at all', () => {
    setFileCacheLimit(0);
    const files = { 'h.h': header, 'main.dts': '#define BASE 1\n#include "h.h"\n#include "h.h"\nv = <IRQ(2)>;\n' };
    const opts = { readFile: (p: string) => files[p as keyof typeof files] };
    expect(preprocess('main.dts', opts).text).toContain('v = <(2 + 1)>');
    expect(preprocess('main.dts', opts).text).toContain('v = <(2 + 1)>');
  });
});

describe('output text', () => {
  it('keeps characters beyond ASCII, Latin-1 or not, in place', () => {
    const files = {
      'h.dtsi': 'a = "caf\u00e9 \u00ff";\n',
      'main.dts': '#include "h.dtsi"\nb = "\u4e2d\u6587 \u{1f600}";\nc = <1>;\n#include "h.dtsi"\n',
    };
    const [m] = compare(files, ['main.dts', 'main.dts']);
    expect(m!.text).toContain('a = "caf\u00e9 \u00ff";');
    expect(m!.text).toContain('b = "\u4e2d\u6587 \u{1f600}";');
    expect(m!.spans[m!.text.indexOf('c = <1>')]).toMatchObject({ file: 'main.dts', line: 3, column: 1 });
  });
});
