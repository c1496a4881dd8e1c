import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { root, runNode } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'bibgraph-port-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runServerToExit(env: Record<string, string>) {
  return runNode(['--import', 'tsx', resolve(root, 'src/main.ts')], {
    env: { ...process.env, DATABASE_URL: '', ...env },
  });
}

it('says in one line that the port is taken, before it opens the database', async () => {
  const blocker = createServer();
  await new Promise<void>((ready) => blocker.listen(0, '127.0.0.1', ready));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const data = join(dir, 'data');
    const run = await runServerToExit({ PORT: String(port), HOST: '127.0.0.1', BIBGRAPH_DATA_DIR: data });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      `bibgraph: port ${port} is already in use (set PORT to another port, or stop the process using it)`,
    ]);
    // Refused before the PGlite folder was created, let alone opened.
    expect(existsSync(data)).toBe(false);
  } finally {
    blocker.close();
  }
}, 120_000);
