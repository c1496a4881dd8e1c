import { SingleBar } from 'cli-progress';
import type { Database } from '../db/client.ts';
import { type ReindexProgress, reindexOrganizations } from '../ingest/reindex.ts';
import { formatTable } from './table.ts';

export const reindexUsage = `  reindex                  Read every stored citation's addresses again: organizations, units,
                           address parts and author links (run it after upgrading a database)
      --batch N            Citations (then authors) per write turn (default 500)
`;

interface Output {
  write(chunk: string): unknown;
}

/** `bibgraph reindex`: the reindex service with a progress bar per phase and a summary table. */
export async function runReindex(
  db: Database,
  options: { batchSize?: number; progress: boolean; out: Output; err: Output },
): Promise<number> {
  let bar: SingleBar | null = null;
  let phase: ReindexProgress['phase'] | null = null;
  const started = performance.now();
  const onProgress = (p: ReindexProgress) => {
    if (!options.progress) return;
    if (p.phase !== phase) {
      bar?.stop();
      phase = p.phase;
      bar = new SingleBar({
        format: `${p.phase.padEnd(10)} {bar} {percentage}% | {value}/{total}`,
        hideCursor: true,
        clearOnComplete: false,
        stream: options.err as NodeJS.WritableStream,
      });
      bar.start(p.total, 0);
    }
    bar?.update(p.done);
  };
  try {
    const report = await reindexOrganizations(db, { batchSize: options.batchSize, onProgress, actor: 'cli' });
    (bar as SingleBar | null)?.stop();
    const seconds = (performance.now() - started) / 1000;
    options.out.write(
      `${formatTable(
        ['citations', 'addresses', 'unparsed', 'organizations', 'authors', 'links', 'seconds'],
        [
          [
            report.citations,
            report.addresses,
            report.unparsedAddresses,
            report.organizations,
            report.authors,
            report.links,
            seconds.toFixed(1),
          ],
        ],
      )}\n`,
    );
    return 0;
  } finally {
    (bar as SingleBar | null)?.stop();
  }
}
