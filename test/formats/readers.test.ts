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
});
