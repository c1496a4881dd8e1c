import { describe, expect, it } from 'vitest';
import { parseRis, parseRisStream } from '../../src/ris/parse.js';
import type { RisProblem, RisRecord } from '../../src/ris/types.js';

/*
 * An unpaired UTF-16 surrogate is not a character: no UTF-8 text (and so no PostgreSQL text or
 * jsonb) can hold it. JSON strings can (`"\ud800"`), and so can files written by tools that encode
 * surrogates one by one (WTF-8/CESU-8 bytes ED A0 80) or UTF-16 files cut in the middle of a pair.
 */

const text = [
  'TY  - JOUR',
  'TI  - Broken \ud800 title',
  'AU  - Müller, Jörg',
  'ER  - ',
  'TY  - JOUR',
  'TI  - Fine 😀 title',
  'AB  - trailing low \udc00',
  'ER  - ',
  '',
].join('\n');

async function stream(chunks: Array<string | Uint8Array>) {
  const records: RisRecord[] = [];
  const problems: RisProblem[] = [];
  for await (const e of parseRisStream(chunks)) {
    if (e.type === 'record') records.push(e.record);
    else if (e.type === 'problem') problems.push(e.problem);
  }
  return { records, problems };
}

const surrogateProblems = (problems: RisProblem[]) => problems.filter((p) => /surrogate/i.test(p.message));
const tagValue = (r: RisRecord | undefined, tag: string) => r?.tags.find((t) => t.tag === tag)?.value;

describe('unpaired surrogates', () => {
  it('become U+FFFD with a warning naming record and line; pairs stay', () => {
    const { records, problems } = parseRis(text);
    expect(tagValue(records[0], 'TI')).toBe('Broken \ufffd title');
    expect(tagValue(records[1], 'TI')).toBe('Fine 😀 title');
    expect(tagValue(records[1], 'AB')).toBe('trailing low \ufffd');
    expect(records[0]?.raw).not.toMatch(/[\ud800-\udfff]/);
    expect(surrogateProblems(problems)).toEqual([
      { record: 1, line: 2, severity: 'warning', message: expect.stringContaining('U+FFFD') },
      { record: 2, line: 7, severity: 'warning', message: expect.stringMatching(/Line 7 .*surrogate/) },
    ]);
  });

  it('a pair split across two text chunks stays a pair; a lone half at a chunk end is replaced', async () => {
    const at = text.indexOf('😀') + 1;
    const split = await stream([text.slice(0, at), text.slice(at)]);
    expect(tagValue(split.records[1], 'TI')).toBe('Fine 😀 title');
    expect(surrogateProblems(split.problems).map((p) => p.line)).toEqual([2, 7]);

    const broken = await stream(['TY  - JOUR\nTI  - cut \ud83d', '\nER  - \n']);
    expect(tagValue(broken.records[0], 'TI')).toBe('cut \ufffd');
    expect(surrogateProblems(broken.problems)).toMatchObject([{ record: 1, line: 2 }]);
  });

  it('surrogates encoded one by one in UTF-8 bytes do not turn the file into Windows-1252', async () => {
    const bytes = Buffer.concat([
      Buffer.from('TY  - JOUR\nTI  - Broken '),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from(' title\nAU  - Müller, Jörg\nER  - \n'),
    ]);
    for (const parsed of [
      parseRis(bytes),
      await stream([bytes]),
      await stream([bytes.subarray(0, 26), bytes.subarray(26)]),
    ]) {
      expect(tagValue(parsed.records[0], 'TI')).toBe('Broken \ufffd title');
      expect(tagValue(parsed.records[0], 'AU')).toBe('Müller, Jörg');
      expect(parsed.problems.filter((p) => /Windows-1252/.test(p.message))).toEqual([]);
      expect(surrogateProblems(parsed.problems)).toMatchObject([{ record: 1, line: 2, severity: 'warning' }]);
    }
  });

  it('an unpaired surrogate in a UTF-16 file is reported too', async () => {
    const body = Buffer.from('TY  - JOUR\nTI  - Broken \ud800 title\nER  - \n', 'utf16le');
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), body]);
    const parsed = await stream([bytes.subarray(0, 31), bytes.subarray(31)]);
    expect(tagValue(parsed.records[0], 'TI')).toBe('Broken \ufffd title');
    expect(surrogateProblems(parsed.problems)).toMatchObject([{ record: 1, line: 2, severity: 'warning' }]);
    const be = Buffer.from(body).swap16();
    const parsedBe = await stream([Buffer.concat([Buffer.from([0xfe, 0xff]), be])]);
    expect(tagValue(parsedBe.records[0], 'TI')).toBe('Broken \ufffd title');
    expect(surrogateProblems(parsedBe.problems)).toHaveLength(1);
  });
});
