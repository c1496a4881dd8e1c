import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { type BibgraphServer, createServer } from '../../src/server/server.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';
import { withFixture } from './fixture.ts';

const TAG = 'qbounds';

interface GqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

function firstError(r: { errors?: GqlError[] }): GqlError {
  expect(r.errors?.length).toBeGreaterThan(0);
  return r.errors?.[0] as GqlError;
}

describe.each(databaseTargets)('bounded strings and lists on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let yoga: BibgraphServer;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
    // Big enough for the attack bodies below (the default request body limit is 2 MB).
    yoga = createServer({ database: handle, maxIngestBytes: 1024 * 1024, maskErrors: true });
  });
  afterAll(() => handle.close());

  it.each([
    ['authors', 'query($s: String) { authors(search: $s) { totalCount } }'],
    ['affiliations', 'query($s: String) { affiliations(search: $s) { totalCount } }'],
    ['keywords', 'query($s: String) { keywords(search: $s) { totalCount } }'],
    ['suggest', 'query($s: String!) { suggest(prefix: $s) { label } }'],
    ['citations', 'query($s: String) { citations(filter: { search: $s }) { totalCount } }'],
  ])(
    'refuses a 2.3 KB fuzzy search string on %s before it runs, naming the argument and the limit',
    async (field, query) => {
      await withFixture(handle, TAG, async (tx) => {
        const long = 'müller käthe hematology '.repeat(100);
        const r = await gql(yoga, tx, query, { s: long });
        const error = firstError(r);
        expect(error.extensions?.code).toBe('BAD_USER_INPUT');
        expect(error.message).toContain(`"${field}"`);
        expect(error.message).toMatch(/(search|prefix).* is 2,400 characters long; at most 200 are allowed/);
        expect(r.data).toBeUndefined();
      });
    },
  );

  it('refuses an over-long literal string too, and still answers a search of exactly 200 characters', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const literal = await gql(yoga, tx, `{ authors(search: "${'m'.repeat(201)}") { totalCount } }`);
      expect(firstError(literal)).toMatchObject({
        message: 'Argument "search" of field "authors" is 201 characters long; at most 200 are allowed',
        extensions: { code: 'BAD_USER_INPUT', argument: 'search', maxLength: 200 },
      });
      const fits = await gql(yoga, tx, 'query($s: String) { authors(search: $s) { totalCount } }', {
        s: `Müller ${'k'.repeat(193)}`,
      });
      expect(fits.errors).toBeUndefined();
      expect(typeof fits.data?.authors.totalCount).toBe('number');
    });
  });

  it('refuses a megabyte search string with BAD_USER_INPUT, not an internal error', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(yoga, tx, 'query($s: String!) { suggest(prefix: $s) { label } }', {
        s: 'x'.repeat(1024 * 1024),
      });
      expect(firstError(r).extensions?.code).toBe('BAD_USER_INPUT');
      expect(firstError(r).message).toMatch(
        /^Argument "prefix" of field "suggest" is 1,048,576 characters long/,
      );
    });
  });

  it('refuses 150,000 types and 100,000 keywords filter values, naming the filter field and the limit', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const types = await gql(
        yoga,
        tx,
        'query($f: CitationFilter) { citations(filter: $f) { totalCount } }',
        { f: { types: Array.from({ length: 150_000 }, () => 'JOUR') } },
      );
      expect(firstError(types)).toMatchObject({
        message:
          'Field CitationFilter.types has 150,000 entries; at most 100 are allowed (in argument "filter" of field "citations")',
        extensions: { code: 'BAD_USER_INPUT', argument: 'filter', maxItems: 100 },
      });
      const keywords = await gql(
        yoga,
        tx,
        'query($k: [String!]) { citations(filter: { keywords: $k }) { totalCount } }',
        { k: Array.from({ length: 100_000 }, (_, i) => `k${i}`) },
      );
      expect(firstError(keywords).extensions?.code).toBe('BAD_USER_INPUT');
      expect(firstError(keywords).message).toMatch(/^Field CitationFilter\.keywords has 100,000 entries/);
      // A list inside the bound runs.
      const fine = await gql(
        yoga,
        tx,
        'query($k: [String!]) { citations(filter: { keywords: $k }) { totalCount } }',
        {
          k: ['wildfires', 'sleep disturbance'],
        },
      );
      expect(fine.errors).toBeUndefined();
      expect(fine.data?.citations.totalCount).toBeGreaterThanOrEqual(1);
    });
  });

  it('documents every bound in the schema, with room for curation text', async () => {
    await withFixture(handle, TAG, async (tx) => {
      const r = await gql(
        yoga,
        tx,
        `{ filter: __type(name: "CitationFilter") { inputFields { name description } }
           update: __type(name: "UpdateCitationInput") { inputFields { name description } } }`,
      );
      const describe = (type: 'filter' | 'update', name: string) => {
        const fields = (r.data?.[type]?.inputFields ?? []) as Array<{ name: string; description: string }>;
        return fields.find((f) => f.name === name)?.description;
      };
      expect(describe('filter', 'search')).toMatch(/At most 200 characters\.$/);
      expect(describe('filter', 'types')).toMatch(/At most 100 entries of at most 500 characters each\.$/);
      expect(describe('update', 'abstract')).toMatch(/At most 200,000 characters\.$/);
    });
  });
});
