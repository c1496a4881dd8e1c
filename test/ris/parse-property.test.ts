import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRis, RisParser } from '../../src/ris/parse.js';
import { KNOWN_TAGS } from '../../src/ris/tags.js';
import { formatRisTags } from '../../src/ris/write.js';

const TAGS = [...KNOWN_TAGS].filter((t) => t !== 'TY' && t !== 'ER');

// Value lines: printable text without line breaks, trimmed, and free of ` XX - ` runs (which a
// reader must take for flattened tags) — those are the values RIS can carry unambiguously.
const valueLine = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 ,.;:()/-äé中'.split('')), minLength: 1, maxLength: 40 })
  .map((s) => s.trim().replace(/ -( |$)/g, ' ~$1'))
  .filter((s) => s.length > 0);

const value = fc.oneof(
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 6, arbitrary: valueLine },
  { weight: 2, arbitrary: fc.array(valueLine, { minLength: 2, maxLength: 4 }).map((ls) => ls.join('\n')) },
);

const record = fc.record({
  type: fc.constantFrom('JOUR', 'BOOK', 'CHAP', 'CONF', 'GEN'),
  tags: fc.array(fc.record({ tag: fc.constantFrom(...TAGS), value }), { maxLength: 12 }),
});

describe('parser properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        parseRis(s);
        parseRis(`TY  - JOUR\n${s}`);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on RIS-like noise', () => {
    const piece = fc.constantFrom(
      'TY  - ',
      'ER  - ',
      'AU - ',
      ' KW - ',
      'ER',
      '\n',
      '\r',
      '\r\n',
      '\uFEFF',
      '-',
      ' ',
      'x',
      'JOUR',
      '\u2028',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), (ps) => {
        const r = parseRis(ps.join(''));
        for (const rec of r.records) expect(rec.index).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        parseRis(bytes);
        parseRis(new Uint8Array([...new TextEncoder().encode('TY  - JOUR\n'), ...bytes]));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips well-formed records through formatRisTags', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 4 }), fc.boolean(), (records, crlf) => {
        const text = records
          .map((r) => formatRisTags([{ tag: 'TY', value: r.type }, ...r.tags], { eol: crlf ? '\r\n' : '\n' }))
          .join('');
        const parsed = parseRis(text);
        expect(parsed.problems).toEqual([]);
        expect(
          parsed.records.map((r) => ({
            type: r.type,
            tags: r.tags.slice(1).map(({ tag, value }) => ({ tag, value })),
          })),
        ).toEqual(records);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same result whatever the chunking', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 13 }),
        (records, size) => {
          const text = records
            .map((r) => formatRisTags([{ tag: 'TY', value: r.type }, ...r.tags]))
            .join('\r\n');
          const parser = new RisParser();
          const got = [];
          for (let i = 0; i < text.length; i += size) got.push(...parser.push(text.slice(i, i + size)));
          got.push(...parser.end());
          expect(got).toEqual(parseRis(text).records);
        },
      ),
      { numRuns: 200 },
    );
  });
});
