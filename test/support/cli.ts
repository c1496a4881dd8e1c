import { Readable, Writable } from 'node:stream';
import { run } from '../../src/cli/main.ts';
import type { Run } from './process.ts';

/** A stream that keeps what is written to it. */
function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs a `bibgraph` command in this process, as bin/bibgraph.mjs would in its own: the same
 * environment a child would get (this process's, without DATABASE_URL, plus `env`), `input` on
 * stdin, and what it printed. No Node or tsx start-up per command; the database, lock and servers
 * it talks to are the real ones. A few smoke tests still run the bin itself (runCli in
 * ./process.ts).
 */
export async function cli(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const code = await run(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: Readable.from(input === undefined ? [] : [Buffer.from(input)]),
    env: { ...process.env, DATABASE_URL: '', ...env },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
