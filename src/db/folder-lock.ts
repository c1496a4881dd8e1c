/**
 * One process per PGlite folder. PGlite has no lock of its own: a second process opening the same
 * folder keeps a private copy of the database in memory and writes over the first one's files, so
 * its rows vanish, rows show up twice, and a token it revokes stays valid for the server. The lock
 * is a small JSON file in the folder saying who holds it; the second process is refused with that.
 *
 * The file is created atomically (written aside, then hard-linked into place, which fails when a
 * lock exists), so a reader never sees half a record. A lock whose process has died (kill -9, an
 * out-of-memory kill, a container restart) is taken over.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  realpathSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export const LOCK_FILE = 'bibgraph.lock';

/** What a lock file records about its holder. */
export interface LockHolder {
  pid: number;
  /** What the holder is, for people: "bibgraph server on port 4000", "bibgraph ingest". */
  what: string;
  /** ISO time the holder took the folder. */
  since: string;
  host: string;
  /** Linux: the process start time (clock ticks since boot), to tell a reused pid from the holder. */
  started: number | null;
  /**
   * A server holder: where it answers on this host (http://127.0.0.1:4000), so a CLI command that
   * finds the folder held can go through the server instead of being refused. Null for others.
   */
  url: string | null;
}

export class FolderLockedError extends Error {
  override name = 'FolderLockedError';
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    const elsewhere = holder.host === hostname() ? '' : ` on host ${holder.host}`;
    super(
      `the PGlite folder ${folder} is in use by ${holder.what} (pid ${holder.pid}${elsewhere}, since ${holder.since}); ` +
        `PGlite allows one process per folder: stop it first${elsewhere ? ` (or delete ${join(folder, LOCK_FILE)} if it is gone)` : ''}, or use PostgreSQL (DATABASE_URL), which both can share`,
    );
  }

  /** The holding server's URL when it runs on this host, so a CLI command can go through it. */
  get serverUrl(): string | null {
    return this.holder.host === hostname() ? this.holder.url : null;
  }
}

export interface FolderLock {
  readonly file: string;
  /** Removes the lock file if it is still this process's; safe to call twice. */
  release(): void;
}

/** Folders this process holds, by real path, so a second open in the same process is refused too. */
const held = new Map<string, { file: string; text: string }>();
let exitHookInstalled = false;

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat); null off Linux. */
function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const value = Number(fields[19]);
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function parse(text: string): LockHolder | null {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.what !== 'string') return null;
    return {
      pid: value.pid,
      what: value.what,
      since: String(value.since ?? 'an unknown time'),
      host: String(value.host ?? hostname()),
      started: typeof value.started === 'number' ? value.started : null,
      url: typeof value.url === 'string' ? value.url : null,
    };
  } catch {
    return null;
  }
}

/** True while the recorded process may still be using the folder. */
function isAlive(holder: LockHolder, key: string): boolean {
  // Another machine's process cannot be checked from here, so it is assumed to run.
  if (holder.host !== hostname()) return true;
  // Our own pid in a lock we did not take is a previous life of this pid (PID 1 in a restarted
  // container is the usual case).
  if (holder.pid === process.pid) return held.has(key);
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStart(holder.pid);
  return holder.started === null || started === null || started === holder.started;
}

/** Creates `file` with `text` only if it does not exist; false when it does. */
function createExclusive(file: string, text: string): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const fd = openSync(aside, 'wx', 0o644);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    // File systems without hard links: O_EXCL create; a reader may then catch the write half done,
    // which it treats as a lock being taken (see lockFolder).
    try {
      const direct = openSync(file, 'wx', 0o644);
      try {
        writeSync(direct, text);
      } finally {
        closeSync(direct);
      }
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    unlinkSync(aside);
  }
}

/**
 * Removes a dead holder's lock. Two processes may find the same stale lock at once; a short-lived
 * `.takeover` file lets one of them remove it, and it removes only the very record it judged dead,
 * never a lock a live process has created since.
 */
function removeStale(file: string, staleText: string): void {
  const guard = `${file}.takeover`;
  let fd: number;
  try {
    fd = openSync(guard, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(readText(guard) ?? Number.NaN);
    let ownerAlive = false;
    try {
      if (Number.isInteger(owner) && owner !== process.pid) ownerAlive = process.kill(owner, 0);
    } catch (inner) {
      ownerAlive = (inner as NodeJS.ErrnoException).code === 'EPERM';
    }
    // The process taking over died within those few statements: clear its guard and try again.
    if (!ownerAlive) {
      try {
        unlinkSync(guard);
      } catch {}
    }
    return;
  }
  try {
    writeSync(fd, String(process.pid));
    if (readText(file) === staleText) unlinkSync(file);
  } finally {
    closeSync(fd);
    unlinkSync(guard);
  }
}

function releaseAll(): void {
  for (const [key, lock] of held) {
    held.delete(key);
    try {
      if (readText(lock.file) === lock.text) unlinkSync(lock.file);
    } catch {}
  }
}

/**
 * Takes the folder (which must exist) for this process, or throws FolderLockedError naming the
 * process that holds it. `what` is how this process is named to the next one that tries; a server
 * also records the `url` it answers on.
 */
export function lockFolder(folder: string, what: string, details: { url?: string } = {}): FolderLock {
  const key = realpathSync(folder);
  const file = join(key, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    what,
    since: new Date().toISOString(),
    host: hostname(),
    started: processStart(process.pid),
    url: details.url ?? null,
  };
  const text = `${JSON.stringify(holder)}\n`;
  // A few rounds: each lost race (a holder just releasing, two takeovers at once) costs one.
  for (let round = 0; round < 20; round++) {
    const existing = held.get(key);
    if (existing) throw new FolderLockedError(key, parse(existing.text) as LockHolder);
    if (createExclusive(file, text)) {
      held.set(key, { file, text });
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        // process.exit() skips `finally` blocks; the lock must not outlive the process regardless.
        process.on('exit', releaseAll);
      }
      let released = false;
      return {
        file,
        release: () => {
          if (released) return;
          released = true;
          held.delete(key);
          if (readText(file) === text) unlinkSync(file);
        },
      };
    }
    const current = readText(file);
    if (current === null) continue;
    const other = parse(current);
    if (other === null) {
      // Being written right now (only without hard links), or not ours to judge: wait a moment.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      if (readText(file) !== current) continue;
      throw new Error(`${file} is not a bibgraph lock file; remove it if no bibgraph process uses ${key}`);
    }
    if (isAlive(other, key)) throw new FolderLockedError(key, other);
    removeStale(file, current);
  }
  throw new Error(`could not take the lock ${file}: other processes keep taking it`);
}
