import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { inRolledBackTransaction } from '../support/db.ts';

/**
 * A small bibliography (addresses follow each author, so people are linked to institutions) the query tests own. `tag` goes into every DOI and abstract so files
 * running side by side on one PostgreSQL never touch each other's rows, and so a search for the
 * tag selects exactly this fixture.
 */
export function fixtureRis(tag: string): string {
  const rec = (lines: string[]) => `${lines.join('\n')}\nER  - \n\n`;
  return [
    rec([
      'TY  - JOUR',
      'TI  - Mesenchymal stem cells in immune thrombocytopenia',
      'AU  - Müller, Käthe',
      'AD  - Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
      'AU  - Wang, Xiaohua',
      'AD  - Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
      'PY  - 2017',
      'T2  - Experimental and Therapeutic Medicine',
      `DO  - 10.9999/${tag}.1`,
      'KW  - mesenchymal stem cells',
      'KW  - immune thrombocytopenia',
      `AB  - A two-year follow-up of infusions. ${tag}`,
    ]),
    rec([
      'TY  - JOUR',
      'TI  - Wildfire smoke and sleep disturbance',
      'AU  - Smith, John',
      'AD  - Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
      'AU  - Müller, Käthe',
      'AD  - Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
      'PY  - 2020',
      'T2  - Journal of Ecology',
      `DO  - 10.9999/${tag}.2`,
      'KW  - wildfires',
      'KW  - sleep disturbance',
      `AB  - Smoke exposure and stem cells are unrelated here. ${tag}`,
    ]),
    rec([
      'TY  - BOOK',
      'TI  - A history of stem cell research',
      'AU  - Wang, Xiaohua',
      'PY  - 2019',
      'KW  - mesenchymal stem cells',
      `AB  - Chapters on research history. ${tag}`,
    ]),
    rec([
      'TY  - CONF',
      'TI  - Deep learning for citation graphs',
      'AU  - Nguyen, Thi Mai',
      'AD  - Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
      'AU  - Smith, John',
      'AD  - Centre for Evidence Synthesis, University of Oxford, Oxford, UK',
      'PY  - 2021',
      'T2  - Proceedings of Graph Learning',
      `DO  - 10.9999/${tag}.4`,
      'KW  - machine learning',
      'KW  - deep learning',
      `AB  - Graph neural networks for bibliographies. ${tag}`,
    ]),
    rec([
      'TY  - JOUR',
      'TI  - Zebrafish models of thrombocytopenia',
      'AU  - Müller, Käthe',
      'AD  - Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
      'AU  - Nguyen, Thi Mai',
      'AD  - Department of Hematology, Charité Universitätsmedizin Berlin, Berlin, Germany',
      'T2  - Journal of Ecology',
      'KW  - immune thrombocytopenia',
      `AB  - An undated preprint. ${tag}`,
    ]),
  ].join('');
}

export async function seed(db: Database, tag: string): Promise<void> {
  const report = await ingestRis(db, fixtureRis(tag), { source: `fixture ${tag}` });
  if (report.created !== 5)
    throw new Error(`fixture: expected 5 citations, got ${JSON.stringify(report.problems)}`);
}

/** Runs `fn` against the seeded fixture in a transaction that is rolled back afterwards. */
export function withFixture<T>(
  handle: DatabaseHandle,
  tag: string,
  fn: (tx: Database) => Promise<T>,
): Promise<T> {
  return inRolledBackTransaction(handle, async (tx) => {
    await seed(tx, tag);
    return fn(tx);
  });
}

export function globalId(typename: string, id: number | string): string {
  return Buffer.from(`${typename}:${id}`).toString('base64');
}
