import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { exportRecordFromMapped } from '../../src/export/record.ts';
import { canonicalRisTags, citationFields, formatRis, readBack, risTags } from '../../src/export/ris.ts';
import { loadSelection, streamExport } from '../../src/export/service.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { mapRecord } from '../../src/ris/map.ts';
import { parseRis } from '../../src/ris/parse.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';

const sample = readFileSync(new URL('../fixtures/export-sample.ris', import.meta.url), 'utf8');
const seed = readFileSync(new URL('../fixtures/seed-flattened.ris', import.meta.url), 'utf8');

function records(text: string) {
  return parseRis(text).records.flatMap((r) => {
    const c = mapRecord(r).citation;
    return c ? [exportRecordFromMapped(c)] : [];
  });
}

describe('RIS writer', () => {
  it('reads back every fixture record with the same field values', () => {
    for (const record of [...records(sample), ...records(seed)]) {
      const back = readBack(formatRis(record));
      expect(back, record.citation.title ?? '').not.toBeNull();
      expect(citationFields(exportRecordFromMapped(back as never))).toEqual(citationFields(record));
    }
  });

  it('carries unmodelled raw tags over once and never doubles modelled ones', () => {
    const [paper, book, , , thesis, report, wos] = records(sample);
    const tags = (r: typeof paper) => risTags(r as never).map((t) => `${t.tag}  - ${t.value}`);
    const p = tags(paper);
    for (const kept of [
      'Y2  - 2024/01/02',
      'M3  - Research Article',
      'U1  - custom-value-1',
      'C5  - reprint status',
      'DB  - PubMed',
    ])
      expect(p).toContain(kept);
    // The source's `DO  - https://doi.org/10.3892/ETM…` and `EP  - 20` say what DO and EP already say.
    expect(p.filter((t) => t.startsWith('DO  -'))).toEqual(['DO  - 10.3892/etm.2019.7401']);
    expect(p.filter((t) => t.startsWith('EP  -'))).toEqual(['EP  - 3520']);
    expect(p.filter((t) => t.startsWith('AU  -') || t.startsWith('AD  -'))).toEqual([
      'AU  - Müller, Käthe',
      'AD  - Department of Hematology, Charité, Berlin, Germany',
      "AU  - O'Brien, Seán",
      'AD  - School of Medicine, University College Dublin, Dublin, Ireland',
    ]);
    // Book series (T2), number of pages (SP), degree (VL) and report number (SN) are not modelled
    // on those types, so they come back from the source record.
    expect(tags(book)).toEqual(expect.arrayContaining(['T2  - Series on Animals', 'SP  - 350']));
    expect(tags(thesis)).toEqual(expect.arrayContaining(['VL  - PhD', 'M3  - Doctoral thesis']));
    expect(tags(report)).toContain('SN  - WHO/2022/17');
    // A WoS C1 address is modelled: it comes back once, as AD naming its author.
    expect(tags(wos).filter((t) => /Univ Vienna/.test(t))).toEqual([
      'AD  - [Zimmer, Anna] Univ Vienna, Dept Zool, Vienna, Austria',
    ]);
    expect(tags(wos)).toContain('AN  - WOS:000123456700001');
  });

  it('writes a conference paper with the conference name and the proceedings title under their own tags', () => {
    const [conf, onlyT2] = records(
      [
        'TY  - CONF\nTI  - Tide gauges at scale\nAU  - Ruiz, Elena\nT2  - OCEANS 2019 Conference\nC3  - Proceedings of OCEANS 2019\nPY  - 2019\nER  - \n',
        'TY  - CONF\nTI  - Buoys at scale\nAU  - Ruiz, Elena\nT2  - Proceedings of OCEANS 2020\nPY  - 2020\nER  - \n',
      ].join('\n'),
    );
    const tags = (r: typeof conf) => risTags(r as never).filter((t) => t.tag === 'T2' || t.tag === 'C3');
    // One T2, the conference's name, and the proceedings (the container) as C3, as RIS has them:
    // two T2 lines left another reader to guess which one is the proceedings.
    expect(tags(conf)).toEqual([
      { tag: 'C3', value: 'Proceedings of OCEANS 2019' },
      { tag: 'T2', value: 'OCEANS 2019 Conference' },
    ]);
    expect(tags(onlyT2)).toEqual([{ tag: 'T2', value: 'Proceedings of OCEANS 2020' }]);
    for (const record of [conf, onlyT2]) {
      const back = readBack(formatRis(record as never));
      expect(citationFields(exportRecordFromMapped(back as never))).toEqual(citationFields(record as never));
    }
  });

  it('writes the canonical part in the 2011 layout, TY first', () => {
    const [paper] = records(sample);
    const canonical = canonicalRisTags(paper as never).map((t) => t.tag);
    expect(canonical[0]).toBe('TY');
    expect(canonical).toEqual(
      expect.arrayContaining([
        'TI',
        'AU',
        'PY',
        'DA',
        'T2',
        'J2',
        'VL',
        'IS',
        'SP',
        'EP',
        'SN',
        'DO',
        'UR',
        'KW',
        'AB',
        'N1',
      ]),
    );
    expect(formatRis(paper as never)).toMatch(/\nER {2}- \n$/);
  });
});

describe.each(databaseTargets)('RIS round trip through the database on $name', ({ url }) => {
  let first: DatabaseHandle;
  let second: DatabaseHandle;
  beforeAll(async () => {
    first = await openTestDatabase(url);
    // Re-ingesting goes to a fresh embedded database: the first one would just recognise its own
    // citations again, and on PostgreSQL a second connection would wait for the first one's ingest lock.
    second = await openTestDatabase(null);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('exported RIS ingested again gives the same citations with the same values and raw tags', async () => {
    await inRolledBackTransaction(first, async (tx) => {
      await ingestRis(tx, sample + seed, { source: 'original' });
      const before = await loadSelection(tx, {}, 1000);
      let exported = '';
      for await (const chunk of streamExport(tx, {}, 'ris', 3)) exported += chunk;
      await inRolledBackTransaction(second, async (tx2) => {
        const report = await ingestRis(tx2, exported, { source: 'roundtrip' });
        expect(report.failed).toBe(0);
        const after = await loadSelection(tx2, {}, 1000);
        expect(after).toHaveLength(before.length);
        const byTitle = new Map(after.map((r) => [r.citation.title, r]));
        for (const r of before) {
          const again = byTitle.get(r.citation.title);
          expect(again, r.citation.title ?? '').toBeDefined();
          expect(citationFields(again as never)).toEqual(citationFields(r));
          // Unmodelled tags of the source are in the new raw record too.
          const rawAgain = new Set(again?.citation.rawTags.map((t) => `${t.tag}|${t.value}`));
          for (const t of r.citation.rawTags)
            if (['Y2', 'M3', 'U1', 'C5', 'DB', 'AN'].includes(t.tag))
              expect(rawAgain).toContain(`${t.tag}|${t.value}`);
        }
      });
    });
  });

  it('an export in any format ingested into the same library again changes nothing', async () => {
    // A chapter with an editor (RIS A2: BibTeX and CSL-JSON write it back as an editor, which
    // reads as ED), a paper dated to the day (written back as PY year and DA date, or BibTeX year
    // and month) and a conference paper (BibTeX's @inproceedings reads as CPAPER): the library
    // recognises each and reports it unchanged, its raw tags as they were.
    const chapter = [
      'TY  - CHAP',
      'TI  - Reef restoration in practice',
      'AU  - Brennan, Aoife',
      'A2  - Lindqvist, Erik',
      'T2  - Handbook of Marine Conservation',
      'PY  - 2019',
      'PB  - Springer',
      'SP  - 10',
      'EP  - 25',
      'ER  - ',
      '',
      'TY  - JOUR',
      'TI  - Coral reef resilience under repeated marine heatwaves',
      'AU  - Okafor, Chiamaka',
      'AU  - Lindqvist, Erik',
      'PY  - 2022/03/15/',
      'JO  - Marine Ecology Progress Series',
      'KW  - coral reefs',
      'DO  - 10.1234/meps.2022.0042',
      'ER  - ',
      '',
      'TY  - CONF',
      'TI  - Linking reef surveys across agencies',
      'AU  - Brennan, Aoife',
      'T2  - Proceedings of the 12th Workshop on Semantic Data',
      'C3  - SDW 2022',
      'PY  - 2022',
      'ER  - ',
      '',
    ].join('\n');
    for (const format of ['ris', 'bibtex', 'csl_json'] as const) {
      await inRolledBackTransaction(first, async (tx) => {
        await ingestRis(tx, chapter, { source: 'original' });
        let exported = '';
        for await (const chunk of streamExport(tx, {}, format, 10)) exported += chunk;
        const before = (await loadSelection(tx, {}, 10)).map((r) => r.citation.rawTags);
        const report = await ingestRis(tx, exported, { source: `again as ${format}` });
        expect(
          { created: report.created, updated: report.updated, unchanged: report.unchanged },
          `${format}:\n${exported}`,
        ).toEqual({ created: 0, updated: 0, unchanged: 3 });
        expect((await loadSelection(tx, {}, 10)).map((r) => r.citation.rawTags)).toEqual(before);
      });
    }
  });
});
