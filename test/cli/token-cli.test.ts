import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkToken } from '../../src/auth/tokens.ts';
import { openDatabase } from '../../src/db/client.ts';
import { cli } from '../support/cli.ts';
import { migratedPgliteFolder } from '../support/db.ts';

describe('bibgraph token (CLI)', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { BIBGRAPH_DATA_DIR: migratedPgliteFolder(join(dir, 'db')) };

  it('creates (printing the token once), lists without secrets, and revokes', async () => {
    const anna = await cli(['token', 'create', '--name', 'anna'], env);
    expect(anna.code, anna.stderr).toBe(0);
    const token = anna.stdout.trim();
    expect(token).toMatch(/^bg_[A-Za-z0-9_-]{40,}$/);
    expect(anna.stderr).toMatch(/Created API token "anna".*cannot be shown again/);

    const bob = await cli(['token', 'create', '--name', 'bob'], env);
    expect(bob.code).toBe(0);
    const revoke = await cli(['token', 'revoke', 'anna'], env);
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(/Revoked API token "anna"/);

    const list = await cli(['token', 'list'], env);
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^id\s+name\s+created\s+revoked/);
    expect(lines.find((l) => l.includes('anna'))).toMatch(/anna\s+\S+Z\s+\S+Z$/);
    expect(lines.find((l) => l.includes('bob'))).toMatch(/bob\s+\S+Z$/);
    expect(list.stdout).not.toContain(token);
    expect(list.stdout).not.toContain(bob.stdout.trim());

    // What the server will see: the database holds hashes only, and knows anna's was revoked.
    const db = await openDatabase({ databaseUrl: null, dataDir: join(dir, 'db') });
    try {
      expect(await checkToken(db.db, token, [])).toEqual({ status: 'revoked', name: 'anna' });
      expect(await checkToken(db.db, bob.stdout.trim(), [])).toEqual({ status: 'valid', name: 'bob' });
    } finally {
      await db.close();
    }

    const usage = await cli(['token', 'create'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/create takes --name NAME/);
  });
});
