import { readFileSync } from 'node:fs';
import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { parseRis } from '../../src/ris/parse.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

const sample = readFileSync(new URL('../fixtures/export-sample.ris', import.meta.url), 'utf8');
const cslSchema = JSON.parse(readFileSync(new URL('../fixtures/csl-data.json', import.meta.url), 'utf8'));

const citationsQuery = `query {
  citations(first: 100, orderBy: TITLE) { nodes { id title risType
    ris: export(format: RIS) bib: export(format: BIBTEX) csl: export(format: CSL_JSON)
    apa: formatted vancouver: formatted(style: "vancouver") html: formatted(style: "ieee", format: HTML)
  } }
}`;

async function seeded(tx: Database): Promise<void> {
  const report = await ingestRis(tx, sample, { source: 'export-test' });
  expect(report.failed).toBe(0);
}

describe.each(databaseTargets)('exports through GraphQL and GET /export on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: true });
  });
  afterAll(() => handle.close());

  it('exports one citation as RIS, BibTeX and CSL-JSON and formats it with CSL styles', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await seeded(tx);
      const r = await gql(yoga, tx, citationsQuery);
      expect(r.errors).toBeUndefined();
      type Node = Record<'title' | 'ris' | 'bib' | 'csl' | 'apa' | 'vancouver' | 'html', string>;
      const nodes = r.data?.citations.nodes as Node[];
      expect(nodes).toHaveLength(7);
      const paper = nodes.find((n) => n.title?.startsWith('Mesenchymal')) as Node;
      expect(paper.ris).toMatch(/^TY {2}- JOUR\n/);
      expect(paper.ris).toContain('DO  - 10.3892/etm.2019.7401');
      expect(paper.ris).toContain('Y2  - 2024/01/02');
      expect(paper.ris.trimEnd().endsWith('ER  -')).toBe(true);
      expect(paper.bib).toMatch(/^@article\{muller2019mesenchymal,/);
      expect(JSON.parse(paper.csl)).toMatchObject({ type: 'article-journal', DOI: '10.3892/etm.2019.7401' });
      expect(paper.apa).toContain('Müller, K., & O’Brien, S. (2019).');
      expect(paper.apa).toContain('https://doi.org/10.3892/etm.2019.7401');
      expect(paper.vancouver).toMatch(/^1\. Müller K, O’Brien S\./);
      expect(paper.html).toMatch(/^<div data-csl-entry-id="\d+" class="csl-entry">/);
    });
  });

  it('names the available styles and locales instead of falling back', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await seeded(tx);
      const styles = await gql(yoga, tx, '{ styles { name title citationFormat } locales }');
      const names = ((styles.data?.styles ?? []) as Array<{ name: string }>).map((s) => s.name);
      expect(names).toEqual(
        expect.arrayContaining([
          'apa',
          'vancouver',
          'harvard',
          'chicago-author-date',
          'mla',
          'ieee',
          'nature',
        ]),
      );
      expect(styles.data?.locales).toEqual(expect.arrayContaining(['en-US', 'de-DE']));
      const badStyle = await gql(
        yoga,
        tx,
        '{ citations(first: 1) { nodes { formatted(style: "apa-99") } } }',
      );
      expect(badStyle.errors?.[0]?.message).toMatch(
        /Unknown citation style "apa-99"\. Available styles: apa, .*vancouver/,
      );
      expect(badStyle.errors?.[0]?.extensions?.availableStyles).toContain('nature');
      const badLocale = await gql(yoga, tx, '{ bibliography(locale: "xx-YY") { count } }');
      expect(badLocale.errors?.[0]?.message).toMatch(
        /Unknown citation locale "xx-YY"\. Available locales: .*en-US/,
      );
    });
  });

  it('sorts a bibliography the way the style does', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await seeded(tx);
      const q = `query($style: String!, $ids: [ID!]) {
        bibliography(style: $style, ids: $ids, filter: { types: ["JOUR", "BOOK", "CHAP"] }) {
          count style { name } entries { formatted citation { title } } content
        }
      }`;
      const apa = await gql(yoga, tx, q, { style: 'apa' });
      expect(apa.errors).toBeUndefined();
      const apaTitles = apa.data?.bibliography.entries.map(
        (e: { citation: { title: string } }) => e.citation.title,
      );
      // Author-date: by first author's family name (Abel, Müller, Zimmer), then year.
      expect(apaTitles.map((t: string) => t.slice(0, 12))).toEqual([
        'The chapter ',
        'Mesenchymal ',
        'Zebra husban',
        'Zebra studie',
      ]);
      expect(apa.data?.bibliography.content.split('\n').filter(Boolean)).toHaveLength(4);

      // Numeric styles number in the order asked for.
      const all = await gql(yoga, tx, '{ citations(first: 10, orderBy: TITLE) { nodes { id title } } }');
      const nodes = all.data?.citations.nodes as Array<{ id: string; title: string }>;
      const wanted = ['Zebra studies revisited', 'The chapter on aardvarks'].map(
        (t) => nodes.find((n) => n.title === t)?.id,
      );
      const ieee = await gql(yoga, tx, q, { style: 'ieee', ids: wanted });
      const entries = ieee.data?.bibliography.entries as Array<{
        formatted: string;
        citation: { title: string };
      }>;
      expect(entries.map((e) => e.citation.title)).toEqual([
        'Zebra studies revisited',
        'The chapter on aardvarks',
      ]);
      expect(entries[0]?.formatted).toMatch(/^\[1\] A\. Zimmer and B\. Klein/);
    });
  });

  it('exports a set as one document: BibTeX parses with unique keys, CSL-JSON validates', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await seeded(tx);
      const q = `query($format: ExportFormat!) { exportCitations(format: $format) { count fileName contentType content } }`;
      const bib = await gql(yoga, tx, q, { format: 'BIBTEX' });
      expect(bib.data?.exportCitations).toMatchObject({ count: 7, fileName: 'bibgraph.bib' });
      const library = parseBibtex(bib.data?.exportCitations.content);
      expect(library.errors).toEqual([]);
      expect(library.entries).toHaveLength(7);
      const keys = library.entries.map((e) => e.key);
      expect(new Set(keys).size).toBe(7);
      // Two 2019 papers by Zimmer would share a key without the title word; the special characters
      // of the title come back as written.
      const paper = library.entries.find((e) => e.key === 'muller2019mesenchymal');
      expect(paper?.fields.title).toBe(
        'Mesenchymal stem cells & 100% of the {curly} $cost# in_vivo ~ ^ \\ test',
      );
      expect(paper?.fields.author?.[0]).toMatchObject({ lastName: 'Müller', firstName: 'Käthe' });

      // RIS: records apart by a blank line, as EndNote, Zotero and the databases write them, and
      // the document reads back as the same seven records.
      const ris = await gql(yoga, tx, q, { format: 'RIS' });
      const risText = ris.data?.exportCitations.content as string;
      expect(risText.match(/^TY {2}- /gm)).toHaveLength(7);
      expect(risText.split('\nER  - \n\nTY  - ')).toHaveLength(7);
      expect(risText.startsWith('TY  - ')).toBe(true);
      expect(risText.endsWith('ER  - \n')).toBe(true);
      expect(parseRis(risText).records).toHaveLength(7);

      const csl = await gql(yoga, tx, q, { format: 'CSL_JSON' });
      const items = JSON.parse(csl.data?.exportCitations.content);
      expect(items).toHaveLength(7);
      const validate = new Ajv({ allErrors: true, strict: false }).compile(cslSchema);
      expect(validate(items), JSON.stringify(validate.errors)).toBe(true);

      const none = await gql(
        yoga,
        tx,
        q.replace('exportCitations(', 'exportCitations(filter: { yearFrom: 3000 }, '),
        {
          format: 'CSL_JSON',
        },
      );
      expect(JSON.parse(none.data?.exportCitations.content)).toEqual([]);
    });
  });

  it('streams GET /export as a download with the filter from the query string', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      await seeded(tx);
      const res = await yoga.fetch(
        'http://localhost/export?format=ris&yearFrom=2019&type=JOUR',
        {},
        { db: tx },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-research-info-systems; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(
        /^attachment; filename="bibgraph-\d{4}-\d{2}-\d{2}\.ris"$/,
      );
      const text = await res.text();
      expect(text.match(/^TY {2}- /gm)).toHaveLength(2);

      const json = await yoga.fetch('http://localhost/export?format=csl-json&search=zebra', {}, { db: tx });
      expect(json.headers.get('content-type')).toMatch(/^application\/vnd\.citationstyles\.csl\+json/);
      expect(JSON.parse(await json.text()).length).toBeGreaterThanOrEqual(3);

      const bad = await yoga.fetch('http://localhost/export?format=docx', {}, { db: tx });
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/Unknown format "docx"/);
    });
  });

  it('answers 400 with a reason for query strings the database could not take, and keeps serving', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const huge = Buffer.from('Citation:99999999999999999999').toString('base64');
      const cases: Array<[string, RegExp]> = [
        ['format=ris&search=a%00b', /search contains a NUL character/],
        ['format=ris&yearFrom=99999999999', /yearFrom must be an integer between/],
        ['format=ris&keywordId=99999999999999999999', /no Keyword has the ID/],
        [`format=ris&id=${huge}`, /no Citation has the ID/],
        ['format=ris&yaerFrom=2019', /Unknown parameter "yaerFrom"/],
        // Which of two formats was meant is not for the server to guess.
        ['format=ris&format=bibtex', /format is given 2 times; give it once/],
        // As many list values as the GraphQL filter takes.
        [
          `format=ris&${Array.from({ length: 101 }, () => 'type=JOUR').join('&')}`,
          /type has 101 values; at most 100/,
        ],
        ['format=ris&country=Germany', /country takes ISO 3166-1 alpha-2 codes: "Germany" is DE/],
        ['format=ris&country=XX', /country: "XX" is not an ISO 3166-1 alpha-2 country code/],
      ];
      for (const [query, reason] of cases) {
        const res = await yoga.fetch(`http://localhost/export?${query}`, {}, { db: tx });
        expect(res.status).toBe(400);
        expect(await res.text()).toMatch(reason);
      }
      const still = await yoga.fetch('http://localhost/export?format=ris', {}, { db: tx });
      expect(still.status).toBe(200);
      // HEAD: what a GET would answer, without the body (curl -I, link checkers).
      const head = await yoga.fetch('http://localhost/export?format=bibtex', { method: 'HEAD' }, { db: tx });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toMatch(/x-bibtex/);
      expect(await head.text()).toBe('');
      const badHead = await yoga.fetch('http://localhost/export?format=docx', { method: 'HEAD' }, { db: tx });
      expect(badHead.status).toBe(400);
      // The organization and country filters of GraphQL's CitationFilter are parameters too.
      const filtered = await yoga.fetch(
        'http://localhost/export?format=ris&country=de&organizationId=1',
        {},
        { db: tx },
      );
      expect(filtered.status).toBe(200);
    });
  });
});
