/**
 * CPU time from Linux's /proc, for the benchmarks that report what a server or PostgreSQL spent:
 * user + system seconds of a process (all its threads), and of the backends on a database.
 */
import { readFileSync } from 'node:fs';
import type postgres from 'postgres';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

/**
 * CPU seconds a process has used so far, or null once it has ended; without a pid, this process.
 */
export function processCpuSeconds(pid?: number): number | null {
  if (pid === undefined) {
    const own = process.cpuUsage();
    return (own.user + own.system) / 1e6;
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th
  // of the line, the 12th and 13th after the name.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds so far of each PostgreSQL backend connected to `database` (the connection's own by default). */
export async function backendCpuSeconds(sql: postgres.Sql, database?: string): Promise<Map<number, number>> {
  const rows = database
    ? await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${database}`
    : await sql<{ pid: number }[]>`
        select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = processCpuSeconds(pid);
    // A backend that ended between the listing and the read has nothing left to count.
    if (seconds !== null) cpu.set(pid, seconds);
  }
  return cpu;
}
