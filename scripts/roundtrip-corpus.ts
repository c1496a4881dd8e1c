/**
 * Measures the RIS round trip over a folder of real exports: every record is mapped the way
 * ingestion maps it, written by bibgraph's RIS exporter, read back, and compared field by field.
 * Prints how many citations come back identical, which fields differ how often, and how many
 * unmodelled raw tags had to be left out. Usage: tsx scripts/roundtrip-corpus.ts [folder]
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatTable } from '../src/cli/table.ts';
import { exportRecordFromMapped } from '../src/export/record.ts';
import {
  canonicalRisTags,
  citationFields,
  differingFields,
  readBack,
  risTagsWithReport,
} from '../src/export/ris.ts';
import { mapRecord } from '../src/ris/map.ts';
import { parseRis } from '../src/ris/parse.ts';
import { formatRisTags } from '../src/ris/write.ts';

const root = process.argv[2] ?? '../shared/corpus/ris';

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (!/\.md$/i.test(name)) yield path;
  }
}

let total = 0;
let identical = 0;
let rawTags = 0;
let droppedTags = 0;
let carriedTags = 0;
const byField = new Map<string, number>();
const droppedByTag = new Map<string, number>();
const examples = new Map<string, string>();
const started = performance.now();

for (const path of files(root)) {
  const parsed = parseRis(new Uint8Array(readFileSync(path)));
  for (const record of parsed.records) {
    const mapped = mapRecord(record).citation;
    if (!mapped) continue;
    total++;
    const source = exportRecordFromMapped(mapped);
    const { tags, dropped } = risTagsWithReport(source);
    rawTags += mapped.rawTags.length;
    droppedTags += dropped.length;
    carriedTags += tags.length - canonicalRisTags(source).length;
    for (const d of dropped) droppedByTag.set(d.tag, (droppedByTag.get(d.tag) ?? 0) + 1);
    const back = readBack(formatRisTags(tags));
    const diff = back
      ? differingFields(citationFields(source), citationFields(exportRecordFromMapped(back)))
      : ['(record not readable)'];
    if (diff.length === 0) identical++;
    for (const f of diff) {
      byField.set(f, (byField.get(f) ?? 0) + 1);
      if (!examples.has(f)) examples.set(f, `${relative(root, path)} record ${record.index}`);
    }
  }
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${((100 * n) / of).toFixed(2)}%`);
process.stdout.write(
  `RIS round trip over ${root}: ${identical} of ${total} citations identical (${pct(identical, total)}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n\n`,
);
if (byField.size > 0) {
  const rows = [...byField].sort((a, b) => b[1] - a[1]);
  process.stdout.write(
    `${formatTable(
      ['field', 'citations differing', 'share', 'first example'],
      rows.map(([f, n]) => [f, n, pct(n, total), examples.get(f) ?? '']),
    )}\n`,
  );
}
process.stdout.write(
  `Raw tags read: ${rawTags}; unmodelled raw tags carried over: ${carriedTags}; left out because they would change a field: ${droppedTags}\n`,
);
if (droppedByTag.size > 0) {
  const rows = [...droppedByTag].sort((a, b) => b[1] - a[1]).slice(0, 15);
  process.stdout.write(
    `${formatTable(
      ['tag', 'left out'],
      rows.map(([t, n]) => [t, n]),
    )}\n`,
  );
}
