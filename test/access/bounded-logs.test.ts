import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { INGEST_LOCK } from '../../src/ingest/ingest.ts';
import { createServer } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { gql } from '../support/graphql.ts';

/** Makes every update of a citation fail inside `tx`, as a database failure would. */
async function failCitationUpdate(tx: Database): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${INGEST_LOCK})`);
  await tx.execute(
    sql.raw(`create function bibgraph_test_fail_update() returns trigger language plpgsql as $$
      begin raise exception 'simulated failure on update'; end $$`),
  );
  await tx.execute(
    sql.raw(
      'create trigger bibgraph_test_fail_update before update on citations for each row execute function bibgraph_test_fail_update()',
    ),
  );
}

describe.each(databaseTargets)('logs bound every value they print, on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  it('a failing query with a 190 KB parameter logs a few KB, each value cut with a marker', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const lines: string[] = [];
      const yoga = createServer({
        database: handle,
        maxIngestBytes: 4 * 1024 * 1024,
        limits: { maxBodyBytes: 4 * 1024 * 1024 },
        logging: 'info',
        logTo: (line) => lines.push(line),
      });
      const created = await gql(
        yoga,
        tx,
        'mutation($ris: String!) { ingestRis(input: { ris: $ris }) { citations { id } } }',
        { ris: 'TY  - JOUR\nTI  - Logged zqxlog\nER  - \n' },
      );
      const id = created.data?.ingestRis.citations[0].id;
      await failCitationUpdate(tx);
      // As long as an abstract may be (200,000 characters); Drizzle puts it in the error twice.
      const huge = `START${'y'.repeat(190_000)}`;
      const r = await gql(
        yoga,
        tx,
        'mutation($id: ID!, $a: String!) { updateCitation(id: $id, input: { abstract: $a }) { __typename } }',
        { id, a: huge },
      );
      // The client learns nothing internal…
      expect(JSON.stringify(r)).not.toMatch(/simulated failure|START/);
      expect(r.errors?.[0]?.message).toBe('Unexpected error.');
      // …and the log says what failed without copying the megabyte.
      const log = lines.join('\n');
      expect(log).toMatch(/simulated failure on update/);
      expect(log).toMatch(/Failed query: update "citations"/);
      expect(log).toMatch(/STARTy{100,}… \(\d+ more bytes\)/);
      expect(log.length).toBeLessThan(16 * 1024);
    });
  });

  it('a request refused by a limit logs nothing (it is an answer, not an incident)', async () => {
    await inRolledBackTransaction(handle, async (tx) => {
      const lines: string[] = [];
      // The response cache warns on the console when a request it wrapped never executes.
      const warn = vi.spyOn(console, 'warn');
      const yoga = createServer({
        cacheTtlSeconds: 60,
        database: handle,
        maxIngestBytes: 1024,
        logging: 'info',
        logTo: (line) => lines.push(line),
      });
      const pages = Array.from(
        { length: 30 },
        (_, i) => `p${i}: citations(first: 100) { nodes { formatted } }`,
      );
      const r = await gql(yoga, tx, `{ ${pages.join(' ')} }`);
      expect(r.errors?.[0]?.extensions?.code).toBe('COST_LIMIT');
      const long = await gql(yoga, tx, 'query($s: String!) { authors(search: $s) { totalCount } }', {
        s: 'x'.repeat(10_000),
      });
      expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(lines.join('\n')).toBe('');
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([]);
      warn.mockRestore();
    });
  });
});
