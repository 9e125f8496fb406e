// Parsing the IDs `dtmap query` takes: 0x100, 256, bb:dd.f, dddd:bb:dd.f, and ranges A-B.
import { InputError } from '../app/input.js';

export interface IdSpec {
  first: number;
  last: number;
  /** PCI domain when written as dddd:bb:dd.f. */
  domain?: number;
  text: string;
}

const MAX_RANGE = 65536;

function one(text: string): { id: number; domain?: number } {
  const bdf = /^(?:([0-9a-f]{1,4}):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text);
  if (bdf) {
    const dev = parseInt(bdf[3]!, 16);
    if (dev > 31) throw new InputError(`bad RID "${text}": device ${dev} is above 0x1f`);
    const id = (parseInt(bdf[2]!, 16) << 8) | (dev << 3) | parseInt(bdf[4]!, 10);
    return bdf[1] !== undefined ? { id, domain: parseInt(bdf[1], 16) } : { id };
  }
  if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(text)) {
    const id = Number(text);
    if (id > 0xffffffff) throw new InputError(`bad ID "${text}": larger than 32 bits`);
    return { id };
  }
  throw new InputError(`bad RID "${text}": use 0x100, 256, bb:dd.f, dddd:bb:dd.f or a range A-B`);
}

export function parseIdSpec(text: string): IdSpec {
  const dash = text.indexOf('-', 1);
  if (dash < 0) {
    const { id, domain } = one(text);
    return { first: id, last: id, domain, text };
  }
  const a = one(text.slice(0, dash));
  const b = one(text.slice(dash + 1));
  if (b.id < a.id) throw new InputError(`bad range "${text}": end is below start`);
  if (b.id - a.id + 1 > MAX_RANGE) throw new InputError(`bad range "${text}": more than ${MAX_RANGE} IDs`);
  return { first: a.id, last: b.id, domain: a.domain ?? b.domain, text };
}
