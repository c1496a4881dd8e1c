/**
 * The clients of bench/load.ts, run in a worker thread: the readers and writers get their own event
 * loop, so the server's loop (the bench's main thread) carries only the server's work — as it does
 * for clients on other machines. Sending three 6.5 MB bodies and timing ~3,000 reads on the
 * server's own loop added their stalls to the numbers being measured.
 *
 * Protocol: workerData says what to run; the worker posts `{ phase }` when a measured phase starts
 * or ends (the main thread samples its event-loop delay in between) and `{ result }` at the end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateRis } from './generate-ris.ts';

export interface ClientsInput {
  base: string;
  scenario: 'postgres' | 'pglite';
  records: number;
  readers: number;
  idleRequests: number;
}

export interface PhaseSample {
  latencies: number[];
  /** When each request started, ms since its phase began (same order as `latencies`). */
  startedAt: number[];
  errors: number;
}

export interface ClientsResult {
  idle: PhaseSample;
  loaded: PhaseSample;
  writers: string[];
  /** Wall time of the loaded phase, ms. */
  loadedMs: number;
}

export type FromClients = { phase: 'idle' | 'loaded' | 'end' } | { result: ClientsResult };

interface Answer {
  data?: { authors?: { nodes: Array<{ id: string }> } };
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

// A page of ten citations: one cheap indexed statement, so its latency is the server's, not the query's.
const CHEAP = JSON.stringify({
  query: '{ citations(first: 10, orderBy: YEAR_DESC) { nodes { id title year } } }',
});

const input = workerData as ClientsInput;
const send = (message: FromClients) => parentPort?.postMessage(message);

async function post(body: string): Promise<{ ms: number; ok: boolean; json: Answer }> {
  const started = performance.now();
  const response = await fetch(`${input.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const json = (await response.json()) as Answer;
  return { ms: performance.now() - started, ok: response.ok && !json.errors, json };
}

/** Readers hammer the cheap query until `count` requests are done or `until` settles. */
async function read(options: { count?: number; until?: Promise<unknown> }): Promise<PhaseSample> {
  const sample: PhaseSample = { latencies: [], startedAt: [], errors: 0 };
  const phaseStart = performance.now();
  let stop = false;
  options.until?.then(
    () => (stop = true),
    () => (stop = true),
  );
  let sent = 0;
  await Promise.all(
    Array.from({ length: input.readers }, async () => {
      while (!stop && (options.count === undefined || sent < options.count)) {
        sent++;
        const started = performance.now();
        const r = await post(CHEAP).catch(() => ({ ms: performance.now() - started, ok: false }));
        sample.latencies.push(r.ms);
        sample.startedAt.push(started - phaseStart);
        if (!r.ok) sample.errors++;
      }
    }),
  );
  return sample;
}

const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(1)} ms`);

async function describeWriter(name: string, work: Promise<{ ms: number; ok: boolean; json: Answer }>) {
  const r = await work;
  const error = r.json.errors?.[0];
  return `${name}: ${r.ok ? 'ok' : `FAILED ${error?.extensions?.code ?? ''} ${error?.message ?? ''}`} in ${ms(r.ms)}`;
}

const ingestBody = (ris: string, source: string) =>
  JSON.stringify({
    query:
      'mutation($ris: String!, $source: String) { ingestRis(input: { ris: $ris, source: $source }) { created failed } }',
    variables: { ris, source },
  });

async function authorIds(): Promise<string[]> {
  const r = await post(JSON.stringify({ query: '{ authors(first: 2, search: "wang") { nodes { id } } }' }));
  return (r.json.data?.authors?.nodes ?? []).map((n) => n.id);
}

/** Idle reads, then the writers and the loaded reads, each phase announced to the server side. */
async function measure(writers: () => Promise<string>[]): Promise<ClientsResult> {
  send({ phase: 'idle' });
  const idle = await read({ count: input.idleRequests });
  send({ phase: 'loaded' });
  const started = performance.now();
  const all = Promise.all(writers());
  const loaded = await read({ until: all });
  const lines = await all;
  const loadedMs = performance.now() - started;
  send({ phase: 'end' });
  return { idle, loaded, writers: lines, loadedMs };
}

async function postgresScenario(): Promise<ClientsResult> {
  await post(ingestBody(generateRis(2_000, 7), 'seed'));
  const bodies = [11, 12, 13].map((seed) => ({
    seed,
    body: ingestBody(generateRis(input.records, seed), `seed ${seed}`),
  }));
  const [into, from] = await authorIds();
  return measure(() => [
    ...bodies.map(({ seed, body }) =>
      describeWriter(`ingest ${input.records} records (seed ${seed})`, post(body)),
    ),
    describeWriter(
      'mergeAuthors',
      post(
        JSON.stringify({
          query:
            'mutation($into: ID!, $from: [ID!]!) { mergeAuthors(into: $into, from: $from) { __typename } }',
          variables: { into, from: [from] },
        }),
      ),
    ),
  ]);
}

async function pgliteScenario(): Promise<ClientsResult> {
  await post(ingestBody(generateRis(2_000, 7), 'seed'));
  const n = input.records * 4;
  const body = ingestBody(generateRis(n, 21), 'big');
  return measure(() => [describeWriter(`ingest ${n} records`, post(body))]);
}

send({ result: await (input.scenario === 'postgres' ? postgresScenario() : pgliteScenario()) });
