import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openDatabase, rowsOf } from '../../src/db/client.ts';

const url = process.env.TEST_DATABASE_URL;

// PostgreSQL keeps running a statement whose request already answered TIMEOUT; the server bounds
// every statement with the same limit instead.
describe.skipIf(!url)('statement timeout on PostgreSQL', () => {
  it('cancels a statement that runs past it', async () => {
    const handle = await openDatabase({ databaseUrl: url as string, dataDir: '', statementTimeoutMs: 300 });
    try {
      const [setting] = rowsOf<{ statement_timeout: string }>(
        await handle.db.execute(sql`show statement_timeout`),
      );
      expect(setting?.statement_timeout).toBe('300ms');
      await expect(handle.db.execute(sql`select pg_sleep(5)`)).rejects.toMatchObject({
        cause: { message: expect.stringMatching(/statement timeout/) },
      });
    } finally {
      await handle.close();
    }
  });
});
