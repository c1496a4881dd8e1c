#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the bin works without a build step on Node 20.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// Exit rather than wait for the event loop to drain: a database or worker pool a command opened
// may keep handles alive after its work is done. stdout and stderr are synchronous for files and
// pipes on POSIX, so nothing written is lost.
process.exit(code);
