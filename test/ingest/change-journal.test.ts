import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectsChanges, type GraphChange } from '../../src/db/changes.ts';
import type { DatabaseHandle } from '../../src/db/client.ts';
import { onCommit, writeTransaction } from '../../src/db/writers.ts';
import { ingestRis } from '../../src/ingest/ingest.ts';
import { databaseTargets, openTestDatabase } from '../support/db.ts';

function papers(from: number, n: number): string {
  let out = '';
  for (let i = from; i < from + n; i++)
    out += `TY  - JOUR\nTI  - Journal paper ${i}\nAU  - Writer${i}, Ann\nPY  - 2020\nDO  - 10.5555/journal.${i}\nER  - \n\n`;
  return out;
}

// The change journal holds an entry per row a write creates until it commits, for the server to
// tell subscribers. The CLI has nobody to tell: a journal there only grew with the input (a million
// records kept ~1.5 million entries alive to the end of the ingest, bench:ingest-size).
describe.each(databaseTargets)('the change journal on $name', ({ url }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(() => handle.close());

  it('is not kept while nobody listens for commits', async () => {
    const collected = await writeTransaction(handle.db, 'test', async (tx) => collectsChanges(tx));
    expect(collected).toBe(false);
    const report = await ingestRis(handle.db, papers(0, 3), { source: 'no listener' });
    expect(report.created).toBe(3);
  });

  it('is kept and handed over once a listener is registered', async () => {
    const heard: GraphChange[][] = [];
    const stop = onCommit(handle.db, (_label, changes) => heard.push(changes));
    try {
      expect(await writeTransaction(handle.db, 'test', async (tx) => collectsChanges(tx))).toBe(true);
      const report = await ingestRis(handle.db, papers(100, 2), { source: 'listener' });
      const created = heard.flat().filter((c) => c.kind === 'Citation' && c.action === 'created');
      expect(created.map((c) => c.id).sort()).toEqual(report.outcomes.map((o) => o.citationId).sort());
      expect(created).toHaveLength(2);
    } finally {
      stop();
    }
    expect(await writeTransaction(handle.db, 'test', async (tx) => collectsChanges(tx))).toBe(false);
  });
});
