import { describe, expect, it } from 'vitest';
import { databaseTargets, inRolledBackTransaction } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { useTestServer } from '../support/server.ts';

const TAG = 'Zqxargcheck';
const ris = [
  'TY  - JOUR',
  `TI  - Arguments checked ${TAG}`,
  'AU  - Checker, Carla',
  'AD  - Institute of Physics, University of Bonn, Bonn, Germany',
  'PY  - 2021',
  'KW  - argument checks',
  'ER  - ',
  '',
].join('\n');

describe.each(databaseTargets)(
  'arguments that would silently match nothing are refused on $name',
  ({ url }) => {
    const server = useTestServer(url);
    const { run } = server;
    const tryRun = (tx: Parameters<typeof run>[0], query: string) => gql(server.yoga, tx, query);

    it('refuses facet sizes outside 0–100 instead of cutting them', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        for (const size of [1000, -5]) {
          const r = await tryRun(tx, `{ citations(first: 1) { facets { years(size: ${size}) { value } } } }`);
          expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'size' });
        }
        const ok = await tryRun(tx, '{ citations(first: 1) { facets { years(size: 100) { value } } } }');
        expect(ok.errors).toBeUndefined();
      });
    });

    it('refuses short-list sizes outside 0–100 instead of answering an empty list', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        await run(tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', { ris });
        const found = await run(
          tx,
          `{ citations(filter: { search: "${TAG}" }) { nodes { authors { id } keywords { id } } } }`,
        );
        const author = found.citations.nodes[0].authors[0].id;
        for (const [field, on] of [
          ['coauthors', 'author'],
          ['keywords', 'author'],
        ] as const) {
          // Above 100 the page-size limit refuses it before anything runs (PAGE_SIZE_LIMIT).
          for (const first of [-1, -100]) {
            const r = await tryRun(tx, `{ ${on}(id: "${author}") { ${field}(first: ${first}) { count } } }`);
            expect(r.errors?.[0]?.extensions, `${field}(first: ${first})`).toMatchObject({
              code: 'BAD_USER_INPUT',
              argument: 'first',
            });
            expect(r.errors?.[0]?.path).toEqual([on, field]);
          }
          const ok = await tryRun(tx, `{ ${on}(id: "${author}") { ${field}(first: 0) { count } } }`);
          expect(ok.errors).toBeUndefined();
          expect(ok.data?.[on][field]).toEqual([]);
        }
        const keywordId = found.citations.nodes[0].keywords[0].id;
        const keyword = await tryRun(tx, `{ keyword(id: "${keywordId}") { related(first: -3) { count } } }`);
        expect(keyword.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
      });
    });

    it('refuses a typeahead size outside 0–50 instead of cutting it', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        for (const first of [51, -1]) {
          const r = await tryRun(tx, `{ suggest(prefix: "che", first: ${first}) { label } }`);
          expect(r.errors?.[0]?.extensions, `first: ${first}`).toMatchObject({
            code: 'BAD_USER_INPUT',
            argument: 'first',
          });
        }
        expect((await tryRun(tx, '{ suggest(prefix: "che", first: 50) { label } }')).errors).toBeUndefined();
      });
    });

    it('refuses a DateTime that names no day of the calendar instead of rolling it over', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        for (const since of [
          '2020-02-30T00:00:00Z',
          '2021-02-29T10:00:00Z',
          '2020-13-01T00:00:00Z',
          'yesterday',
        ]) {
          const r = await gql(
            server.yoga,
            tx,
            'query($s: DateTime!) { changes(since: $s) { nodes { action } } }',
            {
              s: since,
            },
          );
          expect(r.errors?.[0]?.extensions, since).toMatchObject({ code: 'BAD_USER_INPUT' });
          expect(r.errors?.[0]?.message, since).toContain(since);
        }
        const leap = await gql(
          server.yoga,
          tx,
          'query($s: DateTime!) { changes(since: $s) { nodes { action } } }',
          {
            s: '2020-02-29T23:59:59.500+02:00',
          },
        );
        expect(leap.errors).toBeUndefined();
      });
    });

    it('takes ISO country codes only, saying which code a country name has', async () => {
      await inRolledBackTransaction(server.handle, async (tx) => {
        const byName = await tryRun(
          tx,
          '{ citations(filter: { countries: ["de", "Germany"] }) { totalCount } }',
        );
        expect(byName.errors?.[0]?.message).toMatch(/countries\[1\].*"Germany" is DE/);
        expect(byName.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          argument: 'countries[1]',
        });
        const unknown = await tryRun(tx, '{ organizations(country: "XX") { totalCount } }');
        expect(unknown.errors?.[0]?.extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          argument: 'country',
        });
        await run(tx, 'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { created } }', { ris });
        const found = await run(
          tx,
          `{ citations(filter: { search: "${TAG}", countries: ["de"] }) { totalCount facets { countries { value label count } } } }`,
        );
        expect(found.citations.totalCount).toBe(1);
        // The facet's label is the country's name; its value is what the filter takes.
        expect(found.citations.facets.countries).toEqual([{ value: 'DE', label: 'Germany', count: 1 }]);
      });
    });
  },
);
