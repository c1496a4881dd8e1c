// A worker thread that parses and maps RIS for an ingest (prepare-pool.ts). Parsing and mapping
// are synchronous; on the server's event loop they held every concurrent read back for as long as
// a run of records took. Here they take a core of their own, and the main thread only receives
// finished records and writes them. Plain JavaScript so it starts the same under tsx, vitest and
// the CLI.
//
// One ingest at a time; a worker that finished one cleanly is reused for the next. Between
// ingests it also computes author ↔ organization links (organization-links.ts), the other large
// piece of pure work an ingest does.
// Messages in:  { type: 'start', credit, format } | { type: 'chunk', chunk } | { type: 'end' }
//               | { type: 'credit', n } | { type: 'links', input }
// Messages out: { type: 'need' } (send the next chunk) | { type: 'events', events, done }
//               | { type: 'failed', message } | { type: 'links', json }
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { prepareStream } = await import('./prepare.ts');
const { authorLinks } = await import('../organizations/author-links.ts');

/** Records per message: small enough to arrive steadily, large enough that messages stay few. */
const GROUP = 100;

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
/** @type {Array<Uint8Array | string>} */
const chunks = [];
let started = false;
/** The format the current ingest reads (`AUTO`: detected). */
let format = 'AUTO';
let ended = false;
let credit = 0;
/** @type {(() => void) | null} */
let wake = null;

port.on('message', (message) => {
  if (message.type === 'links') {
    try {
      port.postMessage({ type: 'links', json: JSON.stringify(authorLinks(message.input)) });
    } catch (error) {
      port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
    return;
  }
  if (message.type === 'start') {
    started = true;
    credit = message.credit;
    format = message.format ?? 'AUTO';
  } else if (message.type === 'chunk') chunks.push(message.chunk);
  else if (message.type === 'end') ended = true;
  else if (message.type === 'credit') credit += message.n;
  const w = wake;
  wake = null;
  w?.();
});

const changed = () => new Promise((resolve) => (wake = resolve));

/** @type {unknown[]} */
let events = [];

/** Sends what is ready once the main thread has room for it (it grants credit as it consumes). */
async function flush(done) {
  while (credit <= 0) await changed();
  credit--;
  port.postMessage({ type: 'events', events, done });
  events = [];
}

async function* input() {
  for (;;) {
    if (chunks.length > 0) {
      yield/** @type {Uint8Array | string} */ (chunks.shift());
      continue;
    }
    if (ended) return;
    // Records already prepared go out before waiting for input, so none sit here meanwhile.
    if (events.length > 0) await flush(false);
    port.postMessage({ type: 'need' });
    while (chunks.length === 0 && !ended) await changed();
  }
}

for (;;) {
  while (!started) await changed();
  try {
    let records = 0;
    for await (const event of prepareStream(input(), format)) {
      events.push(event);
      if (event.type === 'record' && ++records % GROUP === 0) await flush(false);
    }
    await flush(true);
  } catch (error) {
    port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
  started = false;
  ended = false;
  credit = 0;
  events = [];
  chunks.length = 0;
}
