import { type CitationPreview, PREVIEW_FIELDS } from '../citation/preview.ts';
import type { RecordOutcome } from '../ingest/ingest.ts';

/*
 * `bibgraph ingest --dry-run --show-mapping`: how each of the first records was read, as it would
 * be stored, so a user checks a file before committing it. Plain text for reading, one block per
 * record; the field names are the GraphQL field names of Citation.
 */

/** Longest value printed whole without --verbose (an abstract is cut after this). */
const SHORT_VALUE = 300;

/** What the dry run would do with the record, in words. */
function actionLine(o: RecordOutcome): string {
  const match =
    o.citationId === null
      ? ''
      : `citation ${o.citationId}${o.matchedBy ? ` (same ${matchName(o.matchedBy)})` : ''}`;
  switch (o.action) {
    case 'created':
      return 'would be created';
    case 'updated':
      return `would add to ${match}`;
    case 'unchanged':
      return `matches ${match}, which already holds everything`;
    case 'failed':
      return 'cannot be stored (see the problems below)';
  }
}

function matchName(by: NonNullable<RecordOutcome['matchedBy']>): string {
  return by === 'raw' ? 'raw record' : by === 'doi' ? 'DOI' : 'title, year and first author';
}

function shown(value: string, verbose: boolean): string {
  const one = value.replace(/\s*\n\s*/g, ' ¶ ');
  return verbose || one.length <= SHORT_VALUE
    ? one
    : `${one.slice(0, SHORT_VALUE)}… (${one.length} characters)`;
}

/** The lines of one record's preview, indented under its heading. */
export function mappingLines(preview: CitationPreview, verbose = false): string[] {
  const rows: Array<[string, string]> = [];
  for (const f of PREVIEW_FIELDS) {
    const v = preview.fields[f.name];
    if (v === null || v === undefined) continue;
    if (Array.isArray(v)) {
      if (v.length > 0) rows.push([f.name, shown(v.join('; '), verbose)]);
    } else rows.push([f.name, shown(String(v), verbose)]);
  }
  preview.contributors.forEach((c, i) => {
    const parts = c.literal
      ? `literal: ${c.literal}`
      : [c.family && `family: ${c.family}`, c.given && `given: ${c.given}`, c.suffix && `suffix: ${c.suffix}`]
          .filter(Boolean)
          .join(', ');
    const at = c.affiliations.length > 0 ? ` → affiliation ${c.affiliations.join(', ')}` : '';
    rows.push([i === 0 ? 'contributors' : '', `${c.role} ${c.position}: ${c.nameAsWritten} [${parts}]${at}`]);
  });
  preview.affiliations.forEach((a, i) => {
    rows.push([i === 0 ? 'affiliations' : '', `${i + 1}. ${shown(a.name, verbose)}`]);
    const read = [
      a.organizations.length > 0 ? `organizations: ${a.organizations.join('; ')}` : 'no organization read',
      a.country ? `country: ${a.country}${a.countryCode ? ` (${a.countryCode})` : ''}` : null,
    ].filter(Boolean);
    rows.push(['', `   ${read.join(' · ')}`]);
  });
  if (preview.keywords.length > 0) rows.push(['keywords', shown(preview.keywords.join('; '), verbose)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
}

/** Prints the records of a dry run that carry how they were read, in input order. */
export function printMapping(
  file: string,
  outcomes: readonly RecordOutcome[],
  options: { out: NodeJS.WritableStream; verbose?: boolean },
): void {
  const previewed = outcomes.filter((o) => o.mapped !== undefined);
  for (const o of previewed) {
    options.out.write(`${file}, record ${o.record} (line ${o.line}): ${actionLine(o)}\n`);
    if (o.mapped) options.out.write(`${mappingLines(o.mapped, options.verbose).join('\n')}\n`);
    options.out.write('\n');
  }
}
