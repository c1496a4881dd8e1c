import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateCluster {
  url: string;
  port: number;
  /** SIGSTOP the postmaster and every backend: the server keeps its sockets but answers nothing. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
}

/** Why a private cluster cannot be started here, or null when it can. */
export function privateClusterUnavailable(): string | null {
  try {
    const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    execFileSync(join(bin, 'initdb'), ['--version'], { stdio: 'ignore' });
    execFileSync(join(bin, 'pg_ctl'), ['--version'], { stdio: 'ignore' });
    execFileSync(join(bin, 'pg_basebackup'), ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'PostgreSQL server binaries (pg_config --bindir: initdb, pg_ctl, pg_basebackup) are not installed';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Processes whose parent is `pid` (Linux /proc). */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces; the parent PID is the second field after it.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** A temp directory the cluster's user owns, and a runner for the server binaries as that user. */
function clusterTools(): { dir: string; run: (tool: string, args: string[]) => void } {
  const bin = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'bibgraph-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]]
      : [join(bin, tool), args];
    execFileSync(cmd as string, argv as string[], { stdio: 'pipe' });
  };
  return { dir, run };
}

/** Starts the server of a data directory and returns the controls every cluster has. */
function serve(
  dir: string,
  run: (tool: string, args: string[]) => void,
  port: number,
): PrivateCluster & { start(): void; halt(): void } {
  const data = join(dir, 'data');
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
  start();
  // Read at each use: a restarted server has a new postmaster.
  const all = () => {
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return [postmaster, ...children(postmaster)];
  };
  const signal = (name: NodeJS.Signals) => {
    let pids: number[] = [];
    try {
      pids = all();
    } catch {
      return; // Not running.
    }
    for (const pid of pids) {
      try {
        process.kill(pid, name);
      } catch {
        // Exited since it was listed.
      }
    }
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    start,
    // A clean, fast shutdown that keeps the files: what an operator's restart does.
    halt: () => run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']),
    stop: async () => {
      signal('SIGCONT');
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } catch {
        // Already stopped.
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A throwaway PostgreSQL cluster in a temp directory on a free port (or `port`), owned by this
 * test: it may be frozen and stopped without touching the shared server. initdb refuses to run as
 * root, so as root the cluster runs as the `postgres` user. Its pg_hba (initdb --auth=trust)
 * accepts replication connections from 127.0.0.1, so replicas can stream from it.
 */
export async function startPrivateCluster(options: { port?: number } = {}): Promise<PrivateCluster> {
  const { dir, run } = clusterTools();
  const port = options.port ?? (await freePort());
  run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  return serve(dir, run, port);
}

/** A hot standby of `primary`, streaming from it, that can be halted and started again. */
export interface StreamingReplica extends PrivateCluster {
  /** Stops the server (fast shutdown), keeping its files. */
  halt(): void;
  /** Starts it again after halt(); it catches up from the primary. */
  start(): void;
}

/** `pg_basebackup -R` of `primary` into a temp directory, started as a streaming replica. */
export async function startStreamingReplica(
  primary: PrivateCluster,
  options: { port?: number } = {},
): Promise<StreamingReplica> {
  const { dir, run } = clusterTools();
  const port = options.port ?? (await freePort());
  run('pg_basebackup', [
    '-R',
    '-X',
    'stream',
    '-D',
    join(dir, 'data'),
    '-h',
    '127.0.0.1',
    '-p',
    String(primary.port),
    '-U',
    'postgres',
  ]);
  return serve(dir, run, port);
}
