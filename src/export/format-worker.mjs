// A worker thread that formats bibliographies. citation-js formats synchronously at about 5 ms an
// entry, so a large bibliography on the server's event loop would stall every other request; the
// server sends large ones here (format-pool.ts) and terminates the worker when the request is
// cancelled. Plain JavaScript so it starts the same under tsx, vitest and the CLI.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { renderBibliography } = await import('./styles.ts');

parentPort?.on('message', (job) => {
  try {
    parentPort?.postMessage({ ok: true, result: renderBibliography(job.items, job.options) });
  } catch (error) {
    parentPort?.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
