import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** One GraphQL request over HTTP to a running server; the parsed answer, errors included. */
export async function post<T = any>(
  base: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as never;
}

/** `startIngestion` with the RIS as an uploaded file (JSON bodies stop at BIBGRAPH_MAX_BODY_SIZE). */
export async function startIngestion(
  base: string,
  ris: string,
  options: { source?: string; dryRun?: boolean; token?: string } = {},
): Promise<{ id: string; status: string }> {
  const form = new FormData();
  form.set(
    'operations',
    JSON.stringify({
      query:
        'mutation($f: File!, $s: String, $d: Boolean) { startIngestion(file: $f, source: $s, dryRun: $d) { id status } }',
      variables: { f: null, s: options.source ?? 'live test', d: options.dryRun ?? false },
    }),
  );
  form.set('map', JSON.stringify({ 0: ['variables.f'] }));
  form.set('0', new Blob([ris]), 'upload.ris');
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: {
      'x-graphql-yoga-csrf': '1',
      accept: 'application/json',
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: form,
  });
  const json = (await response.json()) as {
    data?: { startIngestion?: { id: string; status: string } };
    errors?: unknown;
  };
  if (!json.data?.startIngestion) throw new Error(`startIngestion failed: ${JSON.stringify(json)}`);
  return json.data.startIngestion;
}

export function wsClient(base: string, token?: string): Client {
  return createClient({
    url: `${base.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    retryAttempts: 0,
    lazy: true,
  });
}

/** What a subscription delivered so far, and how it ended. */
export interface Collected<T = any> {
  events: T[];
  errors: unknown[];
  completed: boolean;
  /** Ends the subscription from the client's side. */
  stop(): void;
  /** Resolves once an event passes `check` (or rejects after `ms`). */
  waitFor(check: (event: T) => boolean, ms?: number): Promise<T>;
  /** Resolves once the server completed the subscription or sent an error. */
  ended(ms?: number): Promise<void>;
}

export function collect<T = any>(
  client: Client,
  query: string,
  variables?: Record<string, unknown>,
): Collected<T> {
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  const collected: Collected<T> = {
    events: [],
    errors: [],
    completed: false,
    stop: () => {},
    waitFor(check, ms = 30_000) {
      return until(
        () => collected.events.find(check),
        ms,
        () => `no matching event among ${JSON.stringify(collected.events).slice(0, 500)}`,
      );
    },
    ended(ms = 30_000) {
      return until(
        () => (collected.completed || collected.errors.length > 0 ? true : undefined),
        ms,
        () => 'the subscription did not end',
      ).then(() => {});
    },
  };
  const until = <R>(get: () => R | undefined, ms: number, why: () => string): Promise<R> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = get();
        if (found !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(why()));
      }, ms);
      listeners.add(check);
      check();
    });
  collected.stop = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        collected.events.push(value.data as T);
        if (value.errors) collected.errors.push(...value.errors);
        notify();
      },
      error: (error) => {
        collected.errors.push(error);
        notify();
      },
      complete: () => {
        collected.completed = true;
        notify();
      },
    },
  );
  return collected;
}

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false>,
  ms = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Subscriptions and listeners the server at `base` holds (GET /health/subscriptions). */
export async function liveCounts(
  base: string,
): Promise<{ subscriptions: number; listeners: number; events: string }> {
  return (await (await fetch(`${base}/health/subscriptions`)).json()) as never;
}

export const INGESTION_PROGRESS = `subscription($id: ID!) {
  ingestionProgress(id: $id) {
    status records bytes bytesTotal problems recordsPerSecond error
    result { dryRun found created updated unchanged failed problems { record severity } records { record action } }
  }
}`;

export const GRAPH_CHANGED = `subscription($filter: GraphChangeFilter) {
  graphChanged(filter: $filter) { operation committedAt changes { kind id action mergedInto } }
}`;
