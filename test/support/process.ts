import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with `args` to its exit, collecting what it printed; `input` goes to its stdin. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string },
): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

/** Runs Node with `args` to its exit, collecting what it printed. */
export function runNode(
  args: string[],
  options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<Run> {
  return runProcess(process.execPath, args, options);
}

/** Runs the real CLI (bin/bibgraph.mjs) as a child process. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<Run> {
  return runNode([resolve(root, 'bin/bibgraph.mjs'), ...args], {
    env: { ...process.env, DATABASE_URL: '', ...env },
    input,
  });
}

/**
 * Starts `src/main.ts` on a free port and resolves once it listens. `cwd` runs another copy of the
 * project (its own `src/main.ts`, its own `./data`); `baseEnv` replaces this process's environment.
 */
export function startServer(
  env: Record<string, string>,
  options: { cwd?: string; baseEnv?: NodeJS.ProcessEnv } = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const cwd = options.cwd ?? root;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(cwd, 'src/main.ts')], {
      cwd,
      env: { ...(options.baseEnv ?? process.env), DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', ...env },
    });
    let output = '';
    const timer = setTimeout(() => fail(new Error(`server did not start:\n${output}`)), 60_000);
    const onData = (d: Buffer) => {
      output += d;
      const m = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        done({ child, url: m[1], output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

export function stopServer(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  // A child that has already exited fires no second 'exit': waiting for one would hang the caller.
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => {
    child.removeAllListeners('exit');
    // A server that has not gone 20 s after SIGTERM is killed, so one slow shutdown cannot hang the
    // whole file's clean-up (its exit code is then null, which a test asserting it would see).
    const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(force);
      done(code);
    });
    child.kill(signal);
  });
}
