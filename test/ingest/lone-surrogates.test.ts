import { describe, expect, it } from 'vitest';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { LOOPBACK } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'zqxsurrogate';
// JSON can carry an unpaired surrogate ("\ud800"), and JSON.stringify writes it that way.
const ris = [
  'TY  - JOUR',
  `TI  - Broken \ud800 title ${TAG}`,
  'AU  - Wang, Xiaohua',
  'KW  - bad \udfff keyword',
  'PY  - 2019',
  'ER  - ',
  'TY  - JOUR',
  `TI  - An intact record ${TAG}`,
  'ER  - ',
  '',
].join('\n');

const ingest = `mutation($ris: String!, $source: String) {
  ingestRis(input: { ris: $ris, source: $source }) {
    found created failed
    problems { record line severity message }
    citations { title keywords { term } }
    ingestion { source }
  }
}`;

describe.each(databaseTargets)('unpaired surrogates on $name', ({ url }) => {
  const server = useTestServer(url);
  const { run } = server;

  it('in RIS text become U+FFFD with warnings, and everything else is stored', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const r = await run(tx, ingest, { ris, source: `export \ud800.ris` });
      expect(r.ingestRis).toMatchObject({ found: 2, created: 2, failed: 0 });
      const warnings = r.ingestRis.problems.filter((p: { message: string }) => /surrogate/.test(p.message));
      expect(
        warnings.map((p: { record: number; line: number; severity: string }) => [
          p.record,
          p.line,
          p.severity,
        ]),
      ).toEqual([
        [0, null, 'WARNING'],
        [1, 2, 'WARNING'],
        [1, 4, 'WARNING'],
      ]);
      expect(r.ingestRis.citations[0]).toEqual({
        title: `Broken \ufffd title ${TAG}`,
        keywords: [{ term: 'bad \ufffd keyword' }],
      });
      expect(r.ingestRis.ingestion.source).toBe('export \ufffd.ris');
      const found = await run(tx, `{ citations(filter: { search: "broken ${TAG}" }) { totalCount } }`);
      expect(found.citations.totalCount).toBe(1);
    });
  });

  it('through the service directly (the CLI door) as well', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const report = await ingestRis(tx, ris, { source: 'cli \udc00', actor: 'cli' });
      expect(report).toMatchObject({ found: 2, created: 2, failed: 0 });
    });
  });

  it('in an uploaded file (surrogates encoded one by one) are replaced and reported', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const bytes = Buffer.concat([
        Buffer.from(`TY  - JOUR\nTI  - Uploaded `),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from(` title ${TAG}\nAU  - Müller, Käthe\nER  - \n`),
      ]);
      const form = new FormData();
      form.append(
        'operations',
        JSON.stringify({
          query:
            'mutation($file: File!) { ingestRisFile(file: $file) { created problems { record line message } citations { title authors { name } } } }',
          variables: { file: null },
        }),
      );
      form.append('map', JSON.stringify({ 0: ['variables.file'] }));
      form.append('0', new File([bytes], 'wtf8.ris'));
      const res = await server.yoga.fetch(
        'http://localhost/graphql',
        { method: 'POST', body: form, headers: { 'x-graphql-yoga-csrf': '1' } },
        { db: tx, clientAddress: LOOPBACK },
      );
      const body = (await res.json()) as { data: { ingestRisFile: any }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.ingestRisFile).toMatchObject({
        created: 1,
        citations: [{ title: `Uploaded \ufffd title ${TAG}`, authors: [{ name: 'Käthe Müller' }] }],
      });
      expect(body.data.ingestRisFile.problems).toEqual([
        { record: 1, line: 2, message: expect.stringMatching(/surrogate.*U\+FFFD/) },
      ]);
    });
  });

  it('in updateCitation text are refused naming the field', async () => {
    await inRolledBackTransaction(server.handle, async (tx) => {
      const r = await run(tx, ingest, { ris });
      const [first] = (await run(tx, `{ citations(filter: { search: "intact ${TAG}" }) { nodes { id } } }`))
        .citations.nodes;
      expect(r.ingestRis.created).toBe(2);
      const update = await run(
        tx,
        `mutation($id: ID!, $input: UpdateCitationInput!) {
          updateCitation(id: $id, input: $input) { __typename ... on ValidationError { field message } }
        }`,
        { id: first.id, input: { abstract: 'half a pair \ud83d here' } },
      );
      expect(update.updateCitation).toMatchObject({ __typename: 'ValidationError', field: 'input.abstract' });
      expect(update.updateCitation.message).toMatch(/surrogate/);
    });
  });
});
