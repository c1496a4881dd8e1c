import { inspect } from 'node:util';
import type { LogLevel, YogaLogger } from 'graphql-yoga';

/** Longest text printed for one value; the rest is counted, not copied. */
export const MAX_LOGGED_CHARS = 200;
/** Most items of one array or keys of one object printed. */
const MAX_ITEMS = 20;
/** Longest line one log call writes, whatever it is given. */
const MAX_LINE_CHARS = 8 * 1024;
/** Fields of a GraphQL error that repeat the whole request document. */
const NOISY_KEYS = new Set(['source', 'nodes', 'positions', 'locations', 'stack', 'cause']);

/** `text` cut to `max` characters, saying how many bytes were left out. */
export function boundText(text: string, max = MAX_LOGGED_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${Buffer.byteLength(text.slice(max))} more bytes)`;
}

/**
 * A copy of `value` small enough to print: long strings cut, long lists and objects shortened,
 * errors reduced to name, message, a few frames, their own fields and their cause. A failing query
 * carries its parameters (a Drizzle error holds the statement and every value bound to it), so an
 * unbounded log line can be as large as the request that caused it.
 */
function bounded(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 4) return '[…]';
  if (value instanceof Error) return describeError(value, depth);
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ITEMS).map((v) => bounded(v, depth + 1));
    if (value.length > MAX_ITEMS) items.push(`… (${value.length - MAX_ITEMS} more items)`);
    return items;
  }
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} of ${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value);
  for (const [k, v] of entries.slice(0, MAX_ITEMS)) out[k] = bounded(v, depth + 1);
  if (entries.length > MAX_ITEMS) out['…'] = `${entries.length - MAX_ITEMS} more keys`;
  return out;
}

class LoggedError {
  constructor(readonly text: string) {}
  [inspect.custom]() {
    return this.text;
  }
}

function describeError(error: Error, depth: number): LoggedError {
  const lines = [`${error.name}: ${boundText(error.message)}`];
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  lines.push(...frames.slice(0, 8));
  for (const [key, v] of Object.entries(error)) {
    if (NOISY_KEYS.has(key) || v === undefined) continue;
    lines.push(`  ${key}: ${print(bounded(v, depth + 1))}`);
  }
  const cause = (error as { cause?: unknown }).cause ?? (error as { originalError?: unknown }).originalError;
  if (cause !== undefined && cause !== error) lines.push(`  cause: ${print(bounded(cause, depth + 1))}`);
  return new LoggedError(lines.join('\n'));
}

function print(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, { depth: 6, breakLength: Number.POSITIVE_INFINITY, maxStringLength: null });
}

/** One log line from a logger call's arguments, every value bounded. */
export function formatLogLine(args: readonly unknown[]): string {
  return boundText(args.map((a) => print(bounded(a, 0))).join(' '), MAX_LINE_CHARS);
}

const ORDER: Record<LogLevel | 'silent', number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/**
 * Yoga's logger (it logs every unexpected error it masks), with each value bounded. `write` gets
 * one finished line; by default warnings and errors go to stderr, the rest to stdout.
 */
export function boundedLogger(
  level: LogLevel | 'silent',
  write?: (line: string, level: LogLevel) => void,
): YogaLogger {
  const out =
    write ??
    ((line: string, at: LogLevel) => {
      (at === 'error' || at === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
    });
  const at =
    (name: LogLevel) =>
    (...args: unknown[]) => {
      if (ORDER[name] < ORDER[level]) return;
      out(`${name.toUpperCase()} ${formatLogLine(args)}`, name);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
