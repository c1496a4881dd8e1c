import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderLockedError, LOCK_FILE, lockFolder } from '../../src/db/folder-lock.ts';
import { root } from '../support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'bibgraph-folder-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function folder(): string {
  const path = join(dir, `f${n++}`);
  mkdirSync(path);
  return path;
}

function writeLock(path: string, holder: Record<string, unknown>): void {
  writeFileSync(join(path, LOCK_FILE), `${JSON.stringify(holder)}\n`);
}

/** A pid that no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.on('exit', done));
  return child.pid as number;
}

describe('lockFolder', () => {
  it('refuses a second holder, naming the first, and frees the folder on release', () => {
    const path = folder();
    const lock = lockFolder(path, 'bibgraph server on port 4000');
    const error = (() => {
      try {
        lockFolder(path, 'bibgraph ingest');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(FolderLockedError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the PGlite folder ${path} is in use by bibgraph server on port 4000 \\(pid ${process.pid}, since `,
      ),
    );
    lock.release();
    expect(existsSync(join(path, LOCK_FILE))).toBe(false);
    lockFolder(path, 'bibgraph ingest').release();
  });

  it('refuses while another live process holds the folder', () => {
    const path = folder();
    writeLock(path, {
      pid: process.ppid,
      what: 'bibgraph export',
      since: '2026-01-01T00:00:00.000Z',
      host: hostname(),
      started: null,
    });
    expect(() => lockFolder(path, 'x')).toThrow(
      `in use by bibgraph export (pid ${process.ppid}, since 2026-01-01T00:00:00.000Z)`,
    );
    expect(JSON.parse(readFileSync(join(path, LOCK_FILE), 'utf8')).pid).toBe(process.ppid);
  });

  it('takes over the lock of a dead process, of an earlier process with its own pid, and of a reused pid', async () => {
    const path = folder();
    writeLock(path, { pid: await deadPid(), what: 'killed', since: 'then', host: hostname(), started: null });
    lockFolder(path, 'after a kill -9').release();
    // A restarted container's server is PID 1 again; the lock it finds is its previous life's.
    writeLock(path, {
      pid: process.pid,
      what: 'before restart',
      since: 'then',
      host: hostname(),
      started: 1,
    });
    lockFolder(path, 'after a restart').release();
    // The recorded pid runs, but it is another program started at another time.
    writeLock(path, { pid: process.ppid, what: 'long gone', since: 'then', host: hostname(), started: -1 });
    const lock = lockFolder(path, 'after pid reuse');
    expect(JSON.parse(readFileSync(join(path, LOCK_FILE), 'utf8')).what).toBe('after pid reuse');
    lock.release();
  });

  it("never judges another machine's process dead, and says how to clear its lock", () => {
    const path = folder();
    writeLock(path, {
      pid: 1,
      what: 'bibgraph server on port 4000',
      since: 'then',
      host: 'elsewhere',
      started: null,
    });
    expect(() => lockFolder(path, 'x')).toThrow(
      `(pid 1 on host elsewhere, since then); PGlite allows one process per folder: stop it first (or delete ${join(path, LOCK_FILE)} if it is gone)`,
    );
  });

  it('does not remove a lock that is no longer its own', () => {
    const path = folder();
    const lock = lockFolder(path, 'first');
    writeLock(path, {
      pid: process.ppid,
      what: 'someone else',
      since: 'now',
      host: hostname(),
      started: null,
    });
    lock.release();
    expect(existsSync(join(path, LOCK_FILE))).toBe(true);
  });

  it('lets exactly one of several processes take over the same stale lock at once', async () => {
    const path = folder();
    writeLock(path, { pid: await deadPid(), what: 'killed', since: 'then', host: hostname(), started: null });
    const script = join(dir, 'contender.ts');
    // Each contender reports, then holds what it got until the test closes its stdin, so an early
    // winner cannot release before the others have tried.
    writeFileSync(
      script,
      `import { lockFolder } from ${JSON.stringify(resolve(root, 'src/db/folder-lock.ts'))};
let result = 'won';
try { lockFolder(process.argv[2], 'contender ' + process.pid); } catch (e) { result = e.name === 'FolderLockedError' ? 'refused' : 'error ' + e.message; }
process.stdout.write(result + '\\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`,
    );
    const children: ChildProcess[] = [];
    const results = await Promise.all(
      Array.from({ length: 6 }, () => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, path], { cwd: root });
        children.push(child);
        return new Promise<string>((done) => {
          let out = '';
          child.stdout?.on('data', (d) => {
            out += d;
            if (out.endsWith('\n')) done(out.trim());
          });
          child.on('exit', () => done(out.trim() || 'exited'));
        });
      }),
    );
    for (const child of children) child.stdin?.end();
    await Promise.all(
      children.map((c) => new Promise((done) => (c.exitCode !== null ? done(0) : c.on('exit', done)))),
    );
    expect(results.filter((r) => r === 'won')).toHaveLength(1);
    expect(results.filter((r) => r === 'refused')).toHaveLength(5);
    expect(existsSync(join(path, LOCK_FILE))).toBe(false);
  }, 120_000);
});
