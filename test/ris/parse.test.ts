import { describe, expect, it } from 'vitest';
import { parseRis, parseRisStream, RisParser } from '../../src/ris/parse.js';
import type { RisRecord } from '../../src/ris/types.js';

/** The product's seed record (issue #3), one line as it arrived: newlines flattened to spaces. */
const SEED_ONE_LINE =
  'TY - JOUR AB - Four patients with chronic refractory immune thrombocytopenic purpura (ITP)' +
  ' received human umbilical cord-derived mesenchymal stem cells (hUC-MSCs). The hUC-MSC dose was' +
  ' 5x107 to 1x108. Complete remission (CR) was achieved in three patients in 12 months and one' +
  ' patient in 24 months. Three patients received the second hUC-MSC transplantation with the same' +
  ' dose. The median time between hUC-MSC transplantation and response was 12.5 days' +
  ' (range, 7-16). There were no severe adverse events during and post hUC-MSC transplantation.' +
  ' During follow-up (median, 17 months; range, 13-24) no other immunosuppressive drugs were used' +
  ' post‑first hUC-MSCs transplantation. In conclusion, hUC-MSC transplantation is a reasonable' +
  ' salvage treatment in chronic refractory ITP. Prospective randomized large-scale clinical' +
  ' trials are needed to further elucidate the efficacy of hUC-MSCs transplantation therapy on' +
  ' ITP. AD - Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin' +
  ' 136000, P.R. China Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China' +
  ' Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R.' +
  ' China Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing' +
  ' 100053, P.R. China AU - Wang,Xiaohua AU - Yin,Xiaoguang AU - Sun,Wei AU - Bai,Jin AU -' +
  ' Shen,Yawen AU - Ao,Qiang AU - Gu,Yongquan AU - Liu,Ying DA - 2017/05/01 DO -' +
  ' 10.3892/etm.2017.4229 EP - 2258 IS - 5 JO - Exp Ther Med KW - chronic immune thrombocytopenic' +
  ' purpura human umbilical cord-derived mesenchymal stem cells intravenous infusion safety' +
  ' efficacy PY - 2017 SN - 1792-0981 1792-1015 SP - 2255 ST - Intravenous infusion umbilical' +
  ' cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up T2' +
  ' - Experimental and Therapeutic Medicine TI - Intravenous infusion umbilical cord-derived' +
  ' mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up UR -' +
  ' https://doi.org/10.3892/etm.2017.4229 VL - 13 ER -';

// The same record as the issue tracker shows it: folded at 1000 characters, mid-word and mid-URL.
const SEED_FOLDED = SEED_ONE_LINE.replace(
  'Siping, Jilin 136000, P.R. China Jilin',
  'Sipi\nng, Jilin 136000, P.R. China Jilin',
).replace('UR - https://', 'UR - https://\n');

const SEED_ABSTRACT_START =
  'Four patients with chronic refractory immune thrombocytopenic purpura (ITP) received';
const SEED_ABSTRACT_END = 'efficacy of hUC-MSCs transplantation therapy on ITP.';

function only(input: string): RisRecord {
  const result = parseRis(input);
  expect(result.kind).toBe('ris');
  expect(result.records).toHaveLength(1);
  return result.records[0] as RisRecord;
}

function pairs(record: RisRecord): Array<[string, string]> {
  return record.tags.map((t) => [t.tag, t.value]);
}

function values(record: RisRecord, tag: string): string[] {
  return record.tags.filter((t) => t.tag === tag).map((t) => t.value);
}

describe('seed record (flattened onto one line)', () => {
  it('has the folded form differ from the one-line form only by the two folds', () => {
    expect(SEED_FOLDED).not.toBe(SEED_ONE_LINE);
    expect(SEED_FOLDED.replaceAll('\n', '')).toBe(SEED_ONE_LINE);
  });

  for (const [name, input] of [
    ['one line', SEED_ONE_LINE],
    ['folded at 1000 characters', SEED_FOLDED],
  ] as const) {
    it(`splits the ${name} form into its tags`, () => {
      const rec = only(input);
      expect(rec.type).toBe('JOUR');
      expect(rec.index).toBe(1);
      expect(rec.line).toBe(1);
      expect(rec.tags.map((t) => t.tag)).toEqual([
        'TY',
        'AB',
        'AD',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'AU',
        'DA',
        'DO',
        'EP',
        'IS',
        'JO',
        'KW',
        'PY',
        'SN',
        'SP',
        'ST',
        'T2',
        'TI',
        'UR',
        'VL',
      ]);
      expect(rec.tags.every((t) => t.line === 1)).toBe(true);
      const ab = values(rec, 'AB')[0] ?? '';
      expect(ab.startsWith(SEED_ABSTRACT_START)).toBe(true);
      expect(ab.endsWith(SEED_ABSTRACT_END)).toBe(true);
      expect(ab).toContain('post\u2011first hUC-MSCs transplantation');
      expect(values(rec, 'AD')).toEqual([
        'Department of Hematology, Siping Hospital of China Medical University, Siping, Jilin 136000, P.R. China ' +
          'Jilin Tuhua Bioengineering Company Ltd., Siping, Jilin 136000, P.R. China ' +
          'Department of Tissue Engineering, China Medical University, Shenyang, Liaoning 110122, P.R. China ' +
          'Department of Vascular Surgery, Xuanwu Hospital of Capital Medical University, Beijing 100053, P.R. China',
      ]);
      expect(values(rec, 'AU')).toEqual([
        'Wang,Xiaohua',
        'Yin,Xiaoguang',
        'Sun,Wei',
        'Bai,Jin',
        'Shen,Yawen',
        'Ao,Qiang',
        'Gu,Yongquan',
        'Liu,Ying',
      ]);
      expect(values(rec, 'DA')).toEqual(['2017/05/01']);
      expect(values(rec, 'DO')).toEqual(['10.3892/etm.2017.4229']);
      expect(values(rec, 'EP')).toEqual(['2258']);
      expect(values(rec, 'IS')).toEqual(['5']);
      expect(values(rec, 'JO')).toEqual(['Exp Ther Med']);
      expect(values(rec, 'KW')).toEqual([
        'chronic immune thrombocytopenic purpura human umbilical cord-derived mesenchymal stem cells intravenous infusion safety efficacy',
      ]);
      expect(values(rec, 'PY')).toEqual(['2017']);
      expect(values(rec, 'SN')).toEqual(['1792-0981 1792-1015']);
      expect(values(rec, 'SP')).toEqual(['2255']);
      const title =
        'Intravenous infusion umbilical cord-derived mesenchymal stem cell in primary immune thrombocytopenia: A two-year follow-up';
      expect(values(rec, 'ST')).toEqual([title]);
      expect(values(rec, 'T2')).toEqual(['Experimental and Therapeutic Medicine']);
      expect(values(rec, 'TI')).toEqual([title]);
      expect(values(rec, 'UR')).toEqual(['https://doi.org/10.3892/etm.2017.4229']);
      expect(values(rec, 'VL')).toEqual(['13']);
    });
  }

  it('gives identical tags for both forms', () => {
    expect(pairs(only(SEED_FOLDED))).toEqual(pairs(only(SEED_ONE_LINE)));
  });

  it('reports no warnings, only an info about the split', () => {
    const { problems } = parseRis(SEED_FOLDED);
    expect(problems.filter((p) => p.severity !== 'info')).toEqual([]);
    expect(problems.some((p) => /flattened/.test(p.message))).toBe(true);
  });

  it('leaves prose with tag-like runs alone: a flattened record opens with TY or closes with ER', () => {
    const { records } = parseRis(
      'TY  - JOUR\nTI  - Outcomes of ER - and PR - negative tumours: T1 - T2 staging\nAB  - Anxiety was measured at T1 - before surgery and T2 - after surgery.\nN1  - Groups: A1 - placebo; A2 - drug.\nER  - \n',
    );
    expect(pairs(records[0] as RisRecord)).toEqual([
      ['TY', 'JOUR'],
      ['TI', 'Outcomes of ER - and PR - negative tumours: T1 - T2 staging'],
      ['AB', 'Anxiety was measured at T1 - before surgery and T2 - after surgery.'],
      ['N1', 'Groups: A1 - placebo; A2 - drug.'],
    ]);
  });

  it('splits several flattened records sharing one line', () => {
    const line = `${SEED_ONE_LINE} TY - BOOK TI - Second AU - Doe, Jane PY - 2001 ER - TY - CHAP TI - Third ER -`;
    const { records } = parseRis(`${line}\n`);
    expect(records.map((r) => r.type)).toEqual(['JOUR', 'BOOK', 'CHAP']);
    expect(pairs(records[1] as RisRecord)).toEqual([
      ['TY', 'BOOK'],
      ['TI', 'Second'],
      ['AU', 'Doe, Jane'],
      ['PY', '2001'],
    ]);
    expect(records[1]?.raw).toBe('TY - BOOK TI - Second AU - Doe, Jane PY - 2001 ER -');
    expect(records[2]?.raw).toBe('TY - CHAP TI - Third ER -');
  });

  it('re-splits when the fold comes before the second tag', () => {
    const cut = 500;
    const folded = `${SEED_ONE_LINE.slice(0, cut)}\n${SEED_ONE_LINE.slice(cut)}`;
    expect(pairs(only(folded))).toEqual(pairs(only(SEED_ONE_LINE)));
  });

  it('keeps one tag-like run inside a normal value', () => {
    const rec = only('TY  - JOUR\nTI  - History of the CDC PY - 1999\nER  - \n');
    expect(values(rec, 'TI')).toEqual(['History of the CDC PY - 1999']);
  });
});

describe('separators', () => {
  it('reads the spec form and its variants', () => {
    const rec = only(
      'TY - JOUR\nTI  -  Two spaces after\nA1  -Bergel, F\nA1  -    Bray, RC\nKW - one space\nAU\t- Tabbed, Tag\nPY   - 1999\nER  -\n',
    );
    expect(pairs(rec)).toEqual([
      ['TY', 'JOUR'],
      ['TI', 'Two spaces after'],
      ['A1', 'Bergel, F'],
      ['A1', 'Bray, RC'],
      ['KW', 'one space'],
      ['AU', 'Tabbed, Tag'],
      ['PY', '1999'],
    ]);
  });

  it('closes records on a bare ER and on ER without a trailing space', () => {
    const { records } = parseRis('TY  - JOUR\nTI  - a\nER\n\nTY  - BOOK\nTI  - b\nER  -\n');
    expect(records.map((r) => r.type)).toEqual(['JOUR', 'BOOK']);
  });

  it('keeps unknown tags in the spec form but not in loose forms', () => {
    const rec = only('TY  - JOUR\nZZ  - custom\nQQ - not a tag\nER  - \n');
    expect(pairs(rec)).toEqual([
      ['TY', 'JOUR'],
      ['ZZ', 'custom\nQQ - not a tag'],
    ]);
  });

  it('treats tag look-alikes as continuation lines', () => {
    const rec = only(
      'TY  - JOUR\nKW  - Humans\nNF-kappa B/metabolism\nKW  - Plugs\nER-20 ETY Plugs\nEA-RfitTM\nPMID - 12345678\nER  - \n',
    );
    expect(values(rec, 'KW')).toEqual([
      'Humans\nNF-kappa B/metabolism',
      'Plugs\nER-20 ETY Plugs\nEA-RfitTM\nPMID - 12345678',
    ]);
  });

  it('does not let an empty value swallow the next line', () => {
    const rec = only('TY  - JOUR\nEP  - \nIS  -\nSP  - 12\nAB  - \n   indented abstract\nER  - \n');
    expect(pairs(rec)).toEqual([
      ['TY', 'JOUR'],
      ['EP', ''],
      ['IS', ''],
      ['SP', '12'],
      ['AB', 'indented abstract'],
    ]);
  });
});

describe('line endings and encodings of text', () => {
  it('counts CRLF, LF and lone CR as one break each', () => {
    const { records } = parseRis(
      'TY  - JOUR\r\nTI  - a\rAU  - b\nPY  - 2000\r\nER  - \r\rTY  - BOOK\rER  - ',
    );
    expect(records).toHaveLength(2);
    expect(records[0]?.tags.map((t) => [t.tag, t.line])).toEqual([
      ['TY', 1],
      ['TI', 2],
      ['AU', 3],
      ['PY', 4],
    ]);
    expect(records[1]?.line).toBe(7);
  });

  it('strips BOMs at the start, on an empty first line and mid-file', () => {
    const { records } = parseRis('\uFEFF\nTY  - JOUR\nTI  - a\nER  - \n\uFEFFTY  - BOOK\nER  - \n');
    expect(records.map((r) => [r.type, r.line])).toEqual([
      ['JOUR', 2],
      ['BOOK', 5],
    ]);
  });

  it('treats U+2028/U+2029 as line breaks', () => {
    const { records } = parseRis('TY  - JOUR\u2028TI  - a\u2029ER  - ');
    expect(pairs(records[0] as RisRecord)).toEqual([
      ['TY', 'JOUR'],
      ['TI', 'a'],
    ]);
  });

  it('keeps a last record without final newline', () => {
    expect(values(only('TY  - JOUR\nTI  - last\nER  - '), 'TI')).toEqual(['last']);
  });
});

describe('records', () => {
  it('ignores junk headers, numbering lines and blank lines', () => {
    const input = [
      'Provider: Some Publisher',
      'Database: Some DB',
      'Content: text/plain; charset="UTF-8"',
      '',
      'Record #1 of 2',
      '1.',
      'TY  - JOUR',
      '',
      'TI  - a',
      '',
      '',
      'ER  - ',
      '',
      '% comment',
      '2.',
      'TY  - BOOK',
      'ER  - ',
    ].join('\n');
    const { records, problems } = parseRis(input);
    expect(records.map((r) => [r.type, r.line])).toEqual([
      ['JOUR', 7],
      ['BOOK', 16],
    ]);
    expect(problems).toEqual([]);
    expect(records[0]?.raw).toBe('TY  - JOUR\n\nTI  - a\n\n\nER  - ');
  });

  it('reports odd junk once per block, with record 0 and its line', () => {
    const { problems } = parseRis('TY  - JOUR\nER  - \nsome stray text\nmore stray\nTY  - BOOK\nER  - \n');
    expect(problems).toEqual([
      { record: 0, line: 3, severity: 'info', message: expect.stringContaining('some stray text') },
    ]);
  });

  it('closes a record missing ER at the next TY, with a warning', () => {
    const { records, problems } = parseRis('TY  - JOUR\nTI  - a\nTY  - BOOK\nTI  - b\nER  - \n');
    expect(records.map((r) => r.type)).toEqual(['JOUR', 'BOOK']);
    expect(problems).toEqual([
      { record: 1, line: 3, severity: 'warning', message: expect.stringMatching(/no ER/) },
    ]);
  });

  it('keeps a trailing record without ER at the end of the input', () => {
    const { records, problems } = parseRis('TY  - JOUR\nTI  - a\n');
    expect(records).toHaveLength(1);
    expect(problems).toEqual([
      { record: 1, line: 2, severity: 'warning', message: expect.stringMatching(/end of the input/) },
    ]);
  });

  it('reads a record without TY as generic (GEN), with a warning that says so', () => {
    const { records, problems } = parseRis('AU  - Smith, J\nTI  - no type\nER  - \n');
    expect(records.map((r) => [r.type, r.line])).toEqual([['GEN', 1]]);
    expect(problems).toEqual([
      { record: 1, line: 1, severity: 'warning', message: expect.stringMatching(/no TY.*stored as GEN/) },
    ]);
  });

  it('keeps a TY-less record after an ER-closed one when it has its own ER', () => {
    const { records } = parseRis(
      'TY  - JOUR\nT1  - first\nER\n\nT1  - second title\nER  -\n\nTY  - JOUR\nT1  - third\nER  -\n',
    );
    expect(records.map((r) => values(r, 'T1')[0])).toEqual(['first', 'second title', 'third']);
    expect(records.map((r) => r.index)).toEqual([1, 2, 3]);
  });

  it("keeps Ovid's trailer tag after ER with its record", () => {
    const { records, problems } = parseRis(
      '1.\nTY  - JOUR\nTI  - a\nER  -\nNL  - Clin Psychol\n\nLink: x\n\n2.\nTY  - JOUR\nTI  - b\nER  -\n',
    );
    expect(records).toHaveLength(2);
    expect(values(records[0] as RisRecord, 'NL')).toEqual(['Clin Psychol']);
    expect(records.map((r) => r.index)).toEqual([1, 2]);
    expect(problems.every((p) => p.severity === 'info')).toBe(true);
  });

  it('keeps a short TY-less run with a title or author as a record of its own, not a trailer', () => {
    const { records, problems } = parseRis(
      'TY  - JOUR\nTI  - First\nAU  - One, A\nER  - \n\nTI  - Second\nAU  - Two, B\n\nTY  - JOUR\nTI  - Third\nER  - \n',
    );
    expect(records.map((r) => values(r, 'TI')[0])).toEqual(['First', 'Second', 'Third']);
    expect(values(records[0] as RisRecord, 'AU')).toEqual(['One, A']);
    expect(problems.some((p) => p.record === 2 && /TY/.test(p.message))).toBe(true);
  });

  it('reads an empty TY, unknown and legacy types', () => {
    const { records, problems } = parseRis(
      'TY  - \nTI  - a\nER  - \nTY  - html\nER  - \nTY  -  JFULL \nER  - \n',
    );
    expect(records.map((r) => r.type)).toEqual(['GEN', 'HTML', 'JFULL']);
    expect(problems).toEqual([
      { record: 1, line: 1, severity: 'warning', message: expect.stringMatching(/empty TY; stored as GEN/) },
    ]);
  });

  it('joins continuation lines with newlines and trims them', () => {
    const rec = only('TY  - JOUR\nAB  - first line   \n   second line\n\nthird line\nKW  - a\nER  - \n');
    expect(values(rec, 'AB')).toEqual(['first line\nsecond line\nthird line']);
    expect(rec.raw).toBe('TY  - JOUR\nAB  - first line   \n   second line\n\nthird line\nKW  - a\nER  - ');
  });

  it('merges a run of TY lines with nothing between into one record', () => {
    const { records } = parseRis('TY  - BOOK\nTY  - JOUR\nTI  - x\nER  - \n');
    expect(records.map((r) => r.type)).toEqual(['JOUR']);
  });

  it('numbers records and tags by line', () => {
    const { records } = parseRis('\n\nTY  - JOUR\nTI  - a\nER  - \n\n\nTY  - BOOK\nAU  - x\nER  - \n');
    expect(records.map((r) => [r.index, r.line, r.tags.map((t) => t.line)])).toEqual([
      [1, 3, [3, 4]],
      [2, 8, [8, 9]],
    ]);
  });
});

describe('not RIS', () => {
  it('rejects BibTeX with one error and no records', () => {
    const result = parseRis('@article{key,\n  title = {A}\n}\n');
    expect(result.kind).toBe('bibtex');
    expect(result.records).toEqual([]);
    expect(result.problems).toEqual([
      { record: 0, line: null, severity: 'error', message: 'Input looks like BibTeX (@article{…), not RIS' },
    ]);
  });

  it('rejects MEDLINE and Web of Science plain text', () => {
    expect(parseRis('PMID- 123456\nOWN - NLM\nTI  - x\n').kind).toBe('medline');
    expect(parseRis('FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Smith, J\nER\n').kind).toBe(
      'wos',
    );
  });
});

describe('adversarial input', () => {
  // Correctness only: the per-record cost of such input is measured by bench/parse.ts, not timed here
  // (a quadratic lexer would still fail this by the test timeout).
  it('parses a 1 MB line, 100,000 tags and deep continuation', () => {
    const inputs = [
      `TY  - JOUR\nTI  - ${'word - AB word '.repeat(70_000)}\nER  - \n`,
      `TY  - JOUR\n${'KW  - k\n'.repeat(100_000)}ER  - \n`,
      `TY - JOUR ${'AU - x '.repeat(100_000)}ER -\n`,
      `TY  - JOUR\nAB  - a\n${'more text\n'.repeat(100_000)}ER  - \n`,
    ];
    for (const input of inputs) {
      const { records } = parseRis(input);
      expect(records).toHaveLength(1);
    }
  });
});

describe('streaming', () => {
  const sample = [
    '\uFEFFProvider: X\r\n',
    'TY  - JOUR\r\nTI  - Title with ümlauts and 中文\r\nAU  - Müller, Jörg\r\n  continued\r\nER  - \r\n\r\n',
    'TY  - BOOK\rAU  - b\rER  - \r',
    'AU  - no type\nER\n',
    `${SEED_FOLDED}\n`,
    'TY  - CHAP\nTI  - no ER at the end',
  ].join('');

  function byChunks(text: string, size: number): { records: RisRecord[]; problems: unknown[] } {
    const parser = new RisParser();
    const records: RisRecord[] = [];
    for (let i = 0; i < text.length; i += size) records.push(...parser.push(text.slice(i, i + size)));
    records.push(...parser.end());
    return { records, problems: parser.problems };
  }

  it('gives identical records and line numbers for 1-, 7-byte and whole text chunks', () => {
    const whole = byChunks(sample, sample.length);
    expect(whole.records).toHaveLength(5);
    expect(byChunks(sample, 1)).toEqual(whole);
    expect(byChunks(sample, 7)).toEqual(whole);
    expect(parseRis(sample).records).toEqual(whole.records);
  });

  async function collect(chunkSize: number) {
    const bytes = new TextEncoder().encode(sample);
    async function* source() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.subarray(i, i + chunkSize);
    }
    const records: RisRecord[] = [];
    const problems: unknown[] = [];
    for await (const ev of parseRisStream(source())) {
      if (ev.type === 'record') records.push(ev.record);
      else if (ev.type === 'problem') problems.push(ev.problem);
    }
    return { records, problems };
  }

  it('streams bytes in 1-, 7-byte and whole chunks to the same result', async () => {
    const whole = await collect(1 << 20);
    expect(whole.records.map((r) => r.type)).toEqual(['JOUR', 'BOOK', 'GEN', 'JOUR', 'CHAP']);
    expect(whole.records[0]?.tags[1]?.value).toBe('Title with ümlauts and 中文');
    expect(await collect(1)).toEqual(whole);
    expect(await collect(7)).toEqual(whole);
  });

  it('rejects non-RIS streams with one error and no records', async () => {
    const events = [];
    for await (const ev of parseRisStream([new TextEncoder().encode('@book{x,\n title={y}}\n')]))
      events.push(ev);
    expect(events).toEqual([
      {
        type: 'problem',
        problem: { record: 0, line: null, severity: 'error', message: expect.stringContaining('BibTeX') },
      },
    ]);
  });

  it('emits progress at most every 64 KB and at the end', async () => {
    const rec = 'TY  - JOUR\nTI  - x\nER  - \n';
    const text = rec.repeat(20_000);
    const bytes = new TextEncoder().encode(text);
    async function* source() {
      for (let i = 0; i < bytes.length; i += 1000) yield bytes.subarray(i, i + 1000);
    }
    const progress: number[] = [];
    let records = 0;
    for await (const ev of parseRisStream(source())) {
      if (ev.type === 'progress') progress.push(ev.bytes);
      if (ev.type === 'record') records++;
    }
    expect(records).toBe(20_000);
    expect(progress.at(-1)).toBe(bytes.length);
    for (let i = 1; i < progress.length - 1; i++) {
      expect((progress[i] ?? 0) - (progress[i - 1] ?? 0)).toBeGreaterThanOrEqual(64 * 1024);
    }
  });
});
