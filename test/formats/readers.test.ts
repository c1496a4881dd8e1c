import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { citationFingerprint } from '../../src/citation/keys.ts';
import type { MappedCitation } from '../../src/citation/types.ts';
import { type FormatChoice, mapSourceRecord, parseCitationStream } from '../../src/formats/read.ts';
import type { InputFormat } from '../../src/formats/types.ts';
import type { RisProblem } from '../../src/ris/types.ts';

const fixture = (name: string) => readFileSync(resolve(import.meta.dirname, '../fixtures/formats', name));

async function read(input: Uint8Array | string, format: FormatChoice = 'AUTO') {
  const records: MappedCitation[] = [];
  const lines: number[] = [];
  const problems: RisProblem[] = [];
  let detected: InputFormat | null = null;
  async function* once() {
    yield input;
  }
  for await (const e of parseCitationStream(once(), format)) {
    if (e.type === 'format') detected = e.format;
    else if (e.type === 'problem') problems.push(e.problem);
    else if (e.type === 'record') {
      const { citation, problems: more } = mapSourceRecord(e.record);
      problems.push(...more);
      lines.push(e.record.line);
      if (citation) records.push(citation);
    }
  }
  return { detected, records, lines, problems };
}

const FILES: Array<[InputFormat, string]> = [
  ['RIS', 'same-paper.ris'],
  ['BIBTEX', 'same-paper.bib'],
  ['CSL_JSON', 'same-paper.json'],
  ['MEDLINE', 'same-paper.nbib'],
  ['WOS', 'same-paper.txt'],
];

describe('input formats', () => {
  it.each(FILES)('detects %s and reads the paper with its fields', async (format, file) => {
    const { detected, records, problems } = await read(fixture(file));
    expect(detected).toBe(format);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const paper = records[0] as MappedCitation;
    expect(paper.title?.replace(/\.$/, '').toLowerCase()).toBe(
      'deep learning for citation deduplication in systematic reviews',
    );
    expect(paper.risType).toBe('JOUR');
    expect(paper.doi).toBe('10.5555/jrs.2021.0123');
    expect(paper.year).toBe(2021);
    expect(paper.volume).toBe('12');
    expect(paper.issue).toBe('3');
    expect([paper.startPage, paper.endPage]).toEqual(['245', '259']);
    expect(paper.issns).toContain('1234-5679');
    expect(paper.containerTitle?.toLowerCase()).toBe('journal of research synthesis');
    const authors = paper.contributors.filter((c) => c.role === 'author').map((c) => c.name);
    expect(authors.map((n) => [n.family, n.given?.charAt(0)])).toEqual([
      ['Müller', 'J'],
      ['van der Berg', 'A'],
      ["O'Brien", 'P'],
    ]);
    expect(paper.abstract).toBe('We compare rules and models for finding duplicate records.');
  });

  it('gives the same paper the same identity in every format', async () => {
    const keys = new Set<string>();
    for (const [, file] of FILES) {
      const paper = (await read(fixture(file))).records[0] as MappedCitation;
      keys.add(`${paper.doi}|${citationFingerprint(paper)}`);
    }
    expect([...keys]).toHaveLength(1);
  });

  it('reads BibTeX macros, LaTeX accents, braces, month names and corporate names', async () => {
    const { records, lines } = await read(fixture('same-paper.bib'));
    expect(lines).toEqual([3, 19]);
    const [paper, paperTwo] = records as [MappedCitation, MappedCitation];
    expect(paper.title).toBe('Deep Learning for Citation Deduplication in Systematic Reviews');
    expect(paper.date).toBe('2021-03');
    expect(paper.keywords).toEqual(['deduplication', 'systematic reviews']);
    expect(paperTwo.risType).toBe('CPAPER');
    expect(paperTwo.containerTitle).toBe('Proceedings of the Workshop on Evidence');
    expect(paperTwo.contributors.map((c) => c.name)).toEqual([
      { family: 'Chen', given: 'Wei', suffix: null, literal: null },
      { family: null, given: null, suffix: null, literal: 'World Health Organization' },
    ]);
  });

  it('reads MEDLINE: wrapped titles, FAU over AU, each author followed by their addresses, MeSH', async () => {
    const { records, lines } = await read(fixture('same-paper.nbib'));
    expect(records).toHaveLength(2);
    expect(lines).toEqual([1, 32]);
    const paper = records[0] as MappedCitation;
    expect(paper.title).toBe('Deep learning for citation deduplication in systematic reviews.');
    expect(paper.date).toBe('2021-03-15');
    expect(paper.contributors).toHaveLength(3);
    expect(paper.keywords).toEqual(['Deduplication', 'Humans', 'systematic reviews']);
    expect(paper.journalAbbreviation).toBe('J Res Synth');
    expect(paper.affiliations.length).toBeGreaterThanOrEqual(3);
  });

  it('reads Web of Science: AF over AU, C1 brackets link authors to addresses', async () => {
    const { records } = await read(fixture('same-paper.txt'));
    const paper = records[0] as MappedCitation;
    expect(paper.date).toBe('2021-03');
    expect(paper.keywords).toEqual(['deduplication', 'systematic reviews']);
    const linked = paper.contributors.map((c) => c.affiliations.map((i) => paper.affiliations[i]?.name));
    expect(linked[0]?.join()).toMatch(/Univ Zurich/);
    expect(linked[1]?.join()).toMatch(/Univ Utrecht/);
    expect(linked[2]?.join()).toMatch(/Univ Coll Dublin/);
  });

  it('reads a single CSL-JSON item, and counts a non-object item as a failed record', async () => {
    const one = await read('{"type": "book", "title": "One book", "issued": {"date-parts": [[1999]]}}');
    expect(one.detected).toBe('CSL_JSON');
    expect(one.records[0]).toMatchObject({ risType: 'BOOK', title: 'One book', year: 1999 });
    const mixed = await read('[\n  {"type": "book", "title": "Kept"},\n  42\n]');
    expect(mixed.records.map((r) => r.title)).toEqual(['Kept']);
    expect(mixed.lines).toEqual([2, 3]);
    expect(mixed.problems.map((p) => [p.record, p.severity])).toContainEqual([2, 'error']);
  });

  it('names what an unsupported input looks like and what bibgraph reads', async () => {
    const { detected, records, problems } = await read('<?xml version="1.0"?><xml><records/></xml>');
    expect(detected).toBeNull();
    expect(records).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        record: 0,
        severity: 'error',
        message: expect.stringMatching(/^Input looks like XML .*; bibgraph reads RIS, BibTeX/),
      }),
    ]);
  });

  it('reports a broken CSL-JSON file instead of guessing', async () => {
    const { records, problems } = await read('[{"title": "x"', 'CSL_JSON');
    expect(records).toEqual([]);
    expect(problems[0]?.message).toMatch(/^CSL-JSON could not be read/);
  });

  describe('repairs and reports what the other formats cannot store or read', () => {
    const surrogateWarnings = (problems: RisProblem[]) =>
      problems
        .filter((p) => /unpaired UTF-16 surrogate/.test(p.message))
        .map((p) => [p.record, p.line, p.severity]);

    it.each([
      [
        'BIBTEX',
        '@article{k0, title={Kept}, author={Roe, Ann}, year=2019}\n@article{k1, title={Bib \ud800 title},\n author={Doe, Jane}, year=2020}\n',
        [2, 2],
      ],
      [
        'CSL_JSON',
        '[\n{"title": "Kept", "type": "book"},\n{"title": "Csl \\ud800 title", "author": [{"family": "Doe", "given": "Jane"}]}\n]',
        [2, 3],
      ],
      ['MEDLINE', 'PMID- 1\nTI  - Kept\n\nPMID- 2\nTI  - Medline \ud800 title\nFAU - Doe, Jane\n', [2, 5]],
      ['WOS', 'PT J\nTI Kept\nER\n\nPT J\nAU Doe, J\nTI Wos \ud800 title\nER\n', [2, 7]],
    ] as const)(
      '%s: an unpaired surrogate becomes U+FFFD with a warning naming record and line',
      async (format, text, at) => {
        const { records, problems } = await read(text, format);
        expect(records.map((r) => r.title)).toEqual(['Kept', expect.stringMatching(/^\w+ \ufffd title$/)]);
        expect(surrogateWarnings(problems)).toEqual([[...at, 'warning']]);
        expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      },
    );

    it('CESU-8 bytes in a BibTeX file, and NUL in CSL-JSON, are repaired the same way', async () => {
      const bytes = Buffer.concat([
        Buffer.from('@article{k2,\n title = {Cesu '),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from(' x},\n author={Poe, Jane}, year={2021}}\n'),
      ]);
      const cesu = await read(bytes);
      expect(cesu.records[0]).toMatchObject({ title: 'Cesu \ufffd x', year: 2021 });
      expect(surrogateWarnings(cesu.problems)).toEqual([[1, 1, 'warning']]);
      const name = await read('@article{n, title={Fine}, author={Poe, Ja\ud800ne}}', 'BIBTEX');
      expect(name.records[0]?.contributors[0]?.name).toMatchObject({ family: 'Poe', given: 'Ja\ufffdne' });
      expect(name.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^record 1 \(line 1\): author held an unpaired/),
      ]);
      const nul = await read('[{"title": "Nul\\u0000 title", "type": "book"}]');
      expect(nul.records[0]?.title).toBe('Nul title');
      expect(nul.problems.map((p) => p.message)).toEqual([
        expect.stringMatching(/^record 1 \(line 1\): title held NUL/),
      ]);
    });

    it('a BibTeX entry whose brace never closes fails under its own number and line; the others are kept', async () => {
      const text = [
        '@article{good1, author = {Alpha, Ann}, title = {Rivers}, year = {2020}}',
        '',
        '@article{broken1,',
        '  author = {Gamma, Gil},',
        '  title = {An unterminated brace {in the title,',
        '  journal = {Hydrology},',
        '  year = {2020}',
        '}',
        '',
        '@article{good2, author = {Delta, Dan}, title = {Lakes}, year = 2021}',
        '',
      ].join('\n');
      const { records, problems, lines } = await read(text, 'BIBTEX');
      expect(records.map((r) => r.title)).toEqual(['Rivers', 'Lakes']);
      expect(lines).toEqual([1, 3, 10]);
      const errors = problems.filter((p) => p.severity === 'error');
      expect(errors).toEqual([
        expect.objectContaining({
          record: 2,
          line: 3,
          message: expect.stringMatching(
            /^record 2 \(line 3\): BibTeX entry 'broken1' could not be read: Unterminated brace.*nothing of it was stored$/,
          ),
        }),
      ]);
      expect(errors[0]?.message).not.toMatch(/column/);
    });

    it('a CSL-JSON syntax error names its line, column and item', async () => {
      const text = '[\n  {"title": "One"},\n  {"title": "Two"},,\n  {"title": "Three"}\n]';
      const { records, problems } = await read(text, 'CSL_JSON');
      expect(records).toEqual([]);
      expect(problems).toEqual([
        expect.objectContaining({
          record: 0,
          line: 3,
          severity: 'error',
          message: expect.stringMatching(
            /^CSL-JSON could not be read: .* at line 3, column 20 \(in item 2\)/,
          ),
        }),
      ]);
    });

    it('CSL-JSON fields of the wrong type are warned about by item and field, and what is usable kept', async () => {
      const text =
        '[\n{"title": 42, "author": "not a list", "issued": {"date-parts": "2020"}, "volume": 7, "editor": [1]}\n]';
      const { records, problems } = await read(text, 'CSL_JSON');
      expect(records[0]).toMatchObject({ title: '42', year: 2020, volume: '7', contributors: [] });
      expect(
        problems.map((p) => [
          p.record,
          p.line,
          p.severity,
          p.message.replace(/^record 1 \(line 2\): item 1, /, ''),
        ]),
      ).toEqual([
        [1, 2, 'warning', "field 'author' is a string, not a list of names; ignored"],
        [1, 2, 'warning', "field 'editor[0]' is a number, not a name object; ignored"],
        [1, 2, 'warning', "field 'title' is a number, not text; read as '42'"],
        [
          1,
          2,
          'warning',
          "field 'issued.date-parts' is a string, not a list of [year, month, day] lists; read as the date '2020'",
        ],
      ]);
    });

    it('BibTeX accents on the dotless i and j come out as the composed letters', async () => {
      const { records } = await read(
        "@article{a, author={Luc{\\'\\i}a Garc{\\'\\i}a and {\\v\\j}ohn Doe}, title={T{\\'\\i}tulo}}",
        'BIBTEX',
      );
      const paper = records[0] as MappedCitation;
      expect(paper.title).toBe('Título');
      expect(paper.contributors.map((c) => c.name.given)).toEqual(['Lucía', 'ǰohn']);
      expect(paper.contributors[0]?.name.family).toBe('García');
    });

    it('reads the BibTeX affiliation field (Scopus joins several with ;) as the addresses', async () => {
      const { records } = await read(
        '@article{s, author={Ruiz, Ana and Li, Wei}, title={Scopus export}, year={2020},\n affiliation={Department of Physics, University of Granada, Granada, Spain; Tsinghua University, Beijing, China}}',
        'BIBTEX',
      );
      const paper = records[0] as MappedCitation;
      expect(paper.affiliations.map((a) => [a.name, a.country])).toEqual([
        ['Department of Physics, University of Granada, Granada, Spain', 'Spain'],
        ['Tsinghua University, Beijing, China', 'China'],
      ]);
      expect(paper.affiliations[0]?.address?.organizations[0]?.name).toBe('University of Granada');
    });

    it('problems name the field as the input wrote it', async () => {
      const medline = await read(
        'PMID- 3\nTI  - Dengue.\nFAU - Nu, Nora\nDP  - 2021 Feb 30\nLID - not-a-doi [doi]\n',
        'MEDLINE',
      );
      expect(medline.problems.map((p) => p.message)).toEqual([
        "record 1 (line 5): LID 'not-a-doi [doi]' is not a valid DOI",
        "record 1 (line 4): DP '2021 Feb 30': day 30 does not exist in month 2; precision reduced",
      ]);
      const undated = await read('PMID- 4\nTI  - Undated.\nDP  - not a date at all\n', 'MEDLINE');
      expect(undated.problems.map((p) => p.message)).toEqual([
        "record 1 (line 3): DP 'not a date at all' is not a usable date",
      ]);
      const bib = await read(
        '@article{b, title={T}, year={2021}, month={13}, doi={nope}, issn={1234-5678}}',
        'BIBTEX',
      );
      expect(bib.problems.map((p) => p.message.replace(/^record 1 \(line 1\): /, ''))).toEqual([
        "doi 'nope' is not a valid DOI",
        "month '13': month 13 does not exist; precision reduced",
        "issn value '1234-5678' is not a valid ISSN (check digit)",
      ]);
      const wos = await read('PT J\nTI T\nDI nope\nER\n', 'WOS');
      expect(wos.problems.map((p) => p.message)).toEqual(["record 1 (line 3): DI 'nope' is not a valid DOI"]);
    });
  });
});
