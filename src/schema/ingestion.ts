import { eq } from 'drizzle-orm';
import { GraphQLError } from 'graphql';
import { ingestions } from '../db/schema.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { FormatChoice } from '../formats/read.ts';
import type { IngestionQueue } from '../ingest/background.ts';
import { IngestError } from '../ingest/errors.ts';
import { DRY_RUN_PREVIEWS, type IngestReport, ingestRis, type RecordOutcome } from '../ingest/ingest.ts';
import type { RisProblem } from '../ris/types.ts';
import { builder } from './builder.ts';
import { CitationPreviewRef } from './citation-preview.ts';
import type { Context } from './context.ts';
import { scopedOrdering } from './cursor-scope.ts';
import { ALLOWS_NUL, MAX_LENGTH } from './extensions.ts';
import { rowIdOf } from './node-ids.ts';

export const IngestSeverityEnum = builder.enumType('IngestSeverity', {
  description: 'How serious an ingest problem is.',
  values: {
    ERROR: { value: 'error', description: 'The record (or the whole input) could not be stored.' },
    WARNING: { value: 'warning', description: 'Stored, but a value was dropped, guessed or repaired.' },
    INFO: {
      value: 'info',
      description: 'Stored as given; noted for the curious (unknown type, skipped junk line).',
    },
  } as const,
});

export const IngestActionEnum = builder.enumType('IngestAction', {
  description: 'What an ingest did (or, in a dry run, would do) with one record.',
  values: {
    CREATED: { value: 'created', description: 'A new citation was stored.' },
    UPDATED: {
      value: 'updated',
      description: 'A known citation gained fields, people, keywords or affiliations.',
    },
    UNCHANGED: { value: 'unchanged', description: 'A known citation already held everything in the record.' },
    FAILED: { value: 'failed', description: 'The record could not be mapped; see problems.' },
  } as const,
});

export const MatchKindEnum = builder.enumType('MatchKind', {
  description: 'How a record was recognised as a citation already stored.',
  values: {
    DOI: {
      value: 'doi',
      description:
        'Same normalised DOI, also a DOI a curator corrected away or one kept as conflictingDoi, and a title that is not clearly another work.',
    },
    FINGERPRINT: {
      value: 'fingerprint',
      description:
        'Same normalised title, year and first author family name (also the title/year before a curator corrected them).',
    },
    RAW_RECORD: {
      value: 'raw',
      description:
        'Same raw record (tags compared case-, accent- and punctuation-insensitively): how records with neither DOI nor title are recognised.',
    },
  } as const,
});

export const IngestProblemRef = builder.objectRef<RisProblem>('IngestProblem').implement({
  description: 'Something in the input worth knowing, with where it happened.',
  fields: (t) => ({
    record: t.exposeInt('record', {
      description: '1-based record number in the input; 0 when outside any record.',
    }),
    line: t.exposeInt('line', { nullable: true, description: '1-based line in the input, when known.' }),
    severity: t.field({
      type: IngestSeverityEnum,
      resolve: (p) => p.severity,
      description: 'How serious it is.',
    }),
    message: t.exposeString('message', { description: 'What is wrong, in words.' }),
  }),
});

export const IngestRecordResultRef = builder.objectRef<RecordOutcome>('IngestRecordResult').implement({
  description: 'The outcome for one record of the input.',
  fields: (t) => ({
    record: t.exposeInt('record', { description: '1-based record number in the input.' }),
    line: t.exposeInt('line', { description: 'Line where the record starts.' }),
    action: t.field({ type: IngestActionEnum, resolve: (o) => o.action, description: 'What happened.' }),
    matchedBy: t.field({
      type: MatchKindEnum,
      nullable: true,
      resolve: (o) => o.matchedBy,
      description: 'How the existing citation was recognised; null for new and failed records.',
    }),
    title: t.exposeString('title', { nullable: true, description: 'The record title, for orientation.' }),
    mapped: t.field({
      type: CitationPreviewRef,
      nullable: true,
      description: `How the record was read: the citation as it would be stored. Only in dry-run reports, and only for the first ${DRY_RUN_PREVIEWS} records of the input (a report stays far smaller than its input); null otherwise and for failed records.`,
      resolve: (o) => o.mapped ?? null,
    }),
    citation: t.drizzleField({
      type: 'citations',
      nullable: true,
      description:
        'The stored citation: the new one, or the existing match. Null for failed records and, in a dry run, for records that would be created.',
      resolve: (query, o, _args, ctx) =>
        o.citationId === null
          ? null
          : ctx.db.query.citations.findFirst(query({ where: { id: o.citationId } })).then((c) => c ?? null),
    }),
  }),
});

export const InputFormatEnum = builder.enumType('InputFormat', {
  description: 'A citation format bibgraph reads (docs/formats.md).',
  values: {
    AUTO: { value: 'AUTO', description: 'Detect the format from the first 8 KB (arguments only).' },
    RIS: { value: 'RIS', description: 'RIS (`TY  - JOUR` … `ER  - `).' },
    BIBTEX: { value: 'BIBTEX', description: 'BibTeX or BibLaTeX (`@article{…}`).' },
    CSL_JSON: { value: 'CSL_JSON', description: 'CSL-JSON: an array of items, or one item.' },
    MEDLINE: { value: 'MEDLINE', description: 'PubMed/MEDLINE `.nbib` (`PMID- …`).' },
    WOS: { value: 'WOS', description: 'Web of Science plain text (`FN`, `PT J`, two-letter tags).' },
  } as const satisfies Record<FormatChoice, { value: FormatChoice; description: string }>,
});

export const IngestionStatusEnum = builder.enumType('IngestionStatus', {
  description:
    'Where an ingestion is. Synchronous ingests (ingestRis, the CLI) are only ever seen SUCCEEDED.',
  values: {
    QUEUED: { value: 'queued', description: 'Stored and waiting for a runner (also between retries).' },
    RUNNING: { value: 'running', description: 'An instance is ingesting it now, in one transaction.' },
    SUCCEEDED: { value: 'succeeded', description: 'Done; its records committed (a dry run wrote nothing).' },
    FAILED: { value: 'failed', description: 'Ended without storing anything; `error` says why.' },
    CANCELLED: {
      value: 'cancelled',
      description: 'Cancelled with cancelIngestion; nothing of it was stored.',
    },
  } as const,
});

/** The ingestRis report of a finished ingestion, rebuilt from its row. */
export function reportOfRow(row: typeof ingestions.$inferSelect): IngestReport {
  return {
    ingestionId: row.id,
    dryRun: row.dryRun,
    found: row.found,
    created: row.created,
    updated: row.updated,
    unchanged: row.unchanged,
    failed: row.failed,
    bytes: row.bytes,
    unparsedAddresses: row.unparsedAddresses,
    format: row.format as IngestReport['format'],
    problems: row.problems as RisProblem[],
    outcomes: (row.outcomes ?? []) as RecordOutcome[],
  };
}

export const IngestionRef = builder.drizzleNode('ingestions', {
  name: 'Ingestion',
  description:
    'One ingestion: a synchronous ingest call (a mutation or a CLI run), or a background one (startIngestion) with its status and progress.',
  id: { column: (i) => i.id, description: 'Global ID of the ingestion.' },
  fields: (t) => ({
    status: t.field({
      type: IngestionStatusEnum,
      description: 'Where it is; SUCCEEDED for every synchronous ingest.',
      select: { columns: { status: true } },
      resolve: (i) => i.status,
    }),
    dryRun: t.exposeBoolean('dryRun', { description: 'True when it only reports and writes nothing.' }),
    queuedAt: t.expose('queuedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When a background ingestion was submitted; null for synchronous ones.',
    }),
    recordsDone: t.exposeInt('recordsDone', {
      description:
        'Records read so far while RUNNING (saved about once a second; ingestionProgress is live); the total once finished.',
    }),
    bytesDone: t.field({
      type: 'Float',
      description: 'Bytes read so far while RUNNING (as recordsDone); the input size once finished.',
      select: { columns: { bytesDone: true, bytes: true, status: true } },
      resolve: (i) => (i.status === 'running' ? i.bytesDone : Math.max(i.bytesDone, i.bytes)),
    }),
    bytesTotal: t.field({
      type: 'Float',
      nullable: true,
      description: 'Size of a background ingestion’s upload in bytes; null for synchronous ingests.',
      select: { columns: { bytesTotal: true } },
      resolve: (i) => i.bytesTotal,
    }),
    attempts: t.exposeInt('attempts', {
      description: 'Runs started for a background ingestion (more than one after a retry); 0 otherwise.',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description:
        'Why it FAILED or was CANCELLED, or why the last attempt is being retried; null otherwise.',
    }),
    report: t.field({
      type: IngestRisPayloadRef,
      nullable: true,
      description:
        'The same report ingestRis answers with, once SUCCEEDED; null before and for other outcomes. `records` is empty for ingestions stored before background ingestion existed.',
      select: { columns: { id: true } },
      resolve: async (i, _args, ctx) => {
        const [row] = await ctx.db.select().from(ingestions).where(eq(ingestions.id, i.id));
        return row && row.status === 'succeeded' ? reportOfRow(row) : null;
      },
    }),
    source: t.exposeString('source', {
      nullable: true,
      description: 'Label given by the caller (file name, feed).',
    }),
    format: t.field({
      type: InputFormatEnum,
      nullable: true,
      description:
        'The format the input was read as (asked for, while QUEUED); null when not yet known or none bibgraph reads.',
      select: { columns: { format: true } },
      resolve: (i) => i.format as FormatChoice | null,
    }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When the ingest began.' }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it committed.',
    }),
    found: t.exposeInt('found', { description: 'Records found in the input.' }),
    created: t.exposeInt('created', { description: 'Citations created.' }),
    updated: t.exposeInt('updated', { description: 'Known citations that gained data.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Known citations left as they were.' }),
    failed: t.exposeInt('failed', { description: 'Records that could not be stored.' }),
    bytes: t.exposeInt('bytes', { description: 'Size of the input in bytes.' }),
    problems: t.field({
      type: [IngestProblemRef],
      description: 'Problems reported while ingesting.',
      select: { columns: { problems: true } },
      resolve: (i) => i.problems as RisProblem[],
    }),
  }),
});

export const IngestRisPayloadRef = builder.objectRef<IngestReport>('IngestRisPayload').implement({
  description:
    'What an ingest found and did. created + updated + unchanged + failed = the number of records found.',
  fields: (t) => ({
    dryRun: t.exposeBoolean('dryRun', { description: 'True when nothing was written.' }),
    format: t.field({
      type: InputFormatEnum,
      nullable: true,
      description: 'The format the input was read as; null when it was none bibgraph reads.',
      resolve: (r) => r.format,
    }),
    found: t.exposeInt('found', { description: 'Records found in the input.' }),
    created: t.exposeInt('created', { description: 'New citations (would be created, in a dry run).' }),
    updated: t.exposeInt('updated', { description: 'Known citations that gained data.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Known citations that already held everything.' }),
    failed: t.exposeInt('failed', { description: 'Records that could not be mapped; see problems.' }),
    unparsedAddresses: t.exposeInt('unparsedAddresses', {
      description:
        'Addresses from which no organization could be read. They are stored all the same, raw, on their citation (`Affiliation.parsed` is false).',
    }),
    problems: t.field({
      type: [IngestProblemRef],
      description: 'Everything worth knowing about the input, each with record and line.',
      resolve: (r) => r.problems,
    }),
    records: t.field({
      type: [IngestRecordResultRef],
      description:
        'One entry per record found, in input order, with the action taken and any existing match.',
      resolve: (r) => r.outcomes,
    }),
    citations: t.drizzleField({
      type: ['citations'],
      description:
        'Citations created, updated or left unchanged, in input order, without repeats. In a dry run: only the existing matches.',
      resolve: async (query, r, _args, ctx) => {
        const ids = [...new Set(r.outcomes.flatMap((o) => (o.citationId === null ? [] : [o.citationId])))];
        if (ids.length === 0) return [];
        const rows = await ctx.db.query.citations.findMany(
          query({ columns: { id: true }, where: { id: { in: ids } } }),
        );
        const byId = new Map(rows.map((c) => [(c as unknown as { id: number }).id, c]));
        return ids.flatMap((id) => {
          const c = byId.get(id);
          return c ? [c] : [];
        });
      },
    }),
    ingestion: t.drizzleField({
      type: 'ingestions',
      nullable: true,
      description: 'The stored ingestion record; null for a dry run.',
      resolve: (query, r, _args, ctx) =>
        r.ingestionId === null
          ? null
          : ctx.db.query.ingestions.findFirst(query({ where: { id: r.ingestionId } })).then((i) => i ?? null),
    }),
  }),
});

const IngestRisInput = builder.inputType('IngestRisInput', {
  description: 'RIS text to ingest.',
  fields: (t) => ({
    ris: t.string({
      required: true,
      description: 'One or more RIS records.',
      // Bounded by the ingest size (PAYLOAD_TOO_LARGE), not by a character count.
      extensions: { [ALLOWS_NUL]: true, [MAX_LENGTH]: 'BIBGRAPH_MAX_INGEST_SIZE' },
    }),
    source: t.string({ description: 'A label stored with the ingestion (file name, feed name).' }),
    dryRun: t.boolean({
      defaultValue: false,
      description: 'Parse, map and match against stored citations, report, and write nothing.',
    }),
  }),
});

const IngestCitationsInput = builder.inputType('IngestCitationsInput', {
  description: 'Citations to ingest, in any format bibgraph reads.',
  fields: (t) => ({
    text: t.string({
      required: true,
      description: 'The records: RIS, BibTeX, CSL-JSON, MEDLINE or Web of Science plain text.',
      extensions: { [ALLOWS_NUL]: true, [MAX_LENGTH]: 'BIBGRAPH_MAX_INGEST_SIZE' },
    }),
    format: t.field({
      type: InputFormatEnum,
      defaultValue: 'AUTO',
      description: 'The text’s format; AUTO detects it from its content.',
    }),
    source: t.string({ description: 'A label stored with the ingestion (file name, feed name).' }),
    dryRun: t.boolean({
      defaultValue: false,
      description: 'Parse, map and match against stored citations, report, and write nothing.',
    }),
  }),
});

function toGraphQLError(error: unknown): never {
  if (error instanceof IngestError) {
    throw new GraphQLError(error.message, { extensions: { code: error.code } });
  }
  throw error;
}

/**
 * One synchronous ingest as the four ingest mutations run it: the size check against
 * BIBGRAPH_MAX_INGEST_SIZE (pointing at startIngestion past it), then the ingest, its domain
 * errors as GraphQL errors.
 */
function ingestNow(
  ctx: Context,
  input: { text: string } | { file: File },
  options: { source: string | null; dryRun: boolean; format: FormatChoice; action: string },
): Promise<IngestReport> {
  const bytes = 'text' in input ? Buffer.byteLength(input.text) : input.file.size;
  if (bytes > ctx.maxIngestBytes) {
    throw overSyncLimit('text' in input ? 'Input' : `Uploaded file "${input.file.name}"`, bytes, ctx);
  }
  const content =
    'text' in input ? input.text : (input.file.stream() as unknown as AsyncIterable<Uint8Array>);
  return ingestRis(ctx.db, content, {
    ...options,
    maxBytes: ctx.maxIngestBytes,
    actor: ctx.auth.actor,
  }).catch(toGraphQLError);
}

const fileArgs = {
  source: 'A label stored with the ingestion; defaults to the file name.',
  dryRun: 'Report what would happen and write nothing.',
};

builder.mutationFields((t) => ({
  ingestRis: t.field({
    type: IngestRisPayloadRef,
    description:
      'Ingests RIS text in one transaction: unmappable records are reported and skipped, a database failure stores nothing.',
    args: {
      input: t.arg({ type: IngestRisInput, required: true, description: 'The RIS text and options.' }),
    },
    resolve: (_root, { input }, ctx) =>
      ingestNow(
        ctx,
        { text: input.ris },
        { source: input.source ?? null, dryRun: input.dryRun ?? false, format: 'RIS', action: 'ingestRis' },
      ),
  }),
  ingestRisFile: t.field({
    type: IngestRisPayloadRef,
    description: 'Ingests an uploaded RIS file (GraphQL multipart request). Same semantics as ingestRis.',
    args: {
      file: t.arg({
        type: 'File',
        required: true,
        description: 'The RIS file (any encoding bibgraph reads).',
      }),
      source: t.arg.string({ description: fileArgs.source }),
      dryRun: t.arg.boolean({ defaultValue: false, description: fileArgs.dryRun }),
    },
    resolve: (_root, args, ctx) =>
      ingestNow(
        ctx,
        { file: args.file },
        {
          source: args.source ?? args.file.name ?? null,
          dryRun: args.dryRun ?? false,
          format: 'RIS',
          action: 'ingestRisFile',
        },
      ),
  }),
  ingestCitations: t.field({
    type: IngestRisPayloadRef,
    description:
      'Ingests citations in any format bibgraph reads (RIS, BibTeX, CSL-JSON, MEDLINE, Web of Science) in one transaction, with the same matching, report and dry run as ingestRis.',
    args: {
      input: t.arg({ type: IngestCitationsInput, required: true, description: 'The text and options.' }),
    },
    resolve: (_root, { input }, ctx) =>
      ingestNow(
        ctx,
        { text: input.text },
        {
          source: input.source ?? null,
          dryRun: input.dryRun ?? false,
          format: input.format ?? 'AUTO',
          action: 'ingestCitations',
        },
      ),
  }),
  ingestCitationsFile: t.field({
    type: IngestRisPayloadRef,
    description:
      'Ingests an uploaded file in any format bibgraph reads (GraphQL multipart request). Same semantics as ingestCitations.',
    args: {
      file: t.arg({ type: 'File', required: true, description: 'The file (any encoding bibgraph reads).' }),
      format: t.arg({
        type: InputFormatEnum,
        defaultValue: 'AUTO',
        description: 'The file’s format; AUTO detects it from its content.',
      }),
      source: t.arg.string({ description: fileArgs.source }),
      dryRun: t.arg.boolean({ defaultValue: false, description: fileArgs.dryRun }),
    },
    resolve: (_root, args, ctx) =>
      ingestNow(
        ctx,
        { file: args.file },
        {
          source: args.source ?? args.file.name ?? null,
          dryRun: args.dryRun ?? false,
          format: args.format ?? 'AUTO',
          action: 'ingestCitationsFile',
        },
      ),
  }),
}));

/** What to do with input over the synchronous limit: the message points at startIngestion when it can take it. */
function overSyncLimit(what: string, bytes: number, ctx: Context): GraphQLError {
  const background =
    ctx.live.queue && bytes <= ctx.live.maxBackgroundIngestBytes
      ? '; send it with startIngestion, which ingests it in the background'
      : '';
  return new GraphQLError(
    `${what} is ${bytes} bytes, over the ingest size limit of ${ctx.maxIngestBytes} bytes (BIBGRAPH_MAX_INGEST_SIZE)${background}`,
    { extensions: { code: 'PAYLOAD_TOO_LARGE' } },
  );
}

function queueOf(ctx: Context): IngestionQueue {
  if (!ctx.live.queue) {
    throw new GraphQLError('Background ingestion is not running on this server', {
      extensions: { code: 'INTERNAL' },
    });
  }
  return ctx.live.queue;
}

builder.mutationFields((t) => ({
  startIngestion: t.drizzleField({
    type: 'ingestions',
    description:
      'Queues an ingestion and returns it at once (QUEUED). Any instance runs it, in one transaction like ingestRis; follow it with the ingestionProgress subscription or the Ingestion object. Takes inputs up to BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE, larger than ingestRis does.',
    args: {
      file: t.arg({
        type: 'File',
        description:
          'The file (GraphQL multipart request), in any format bibgraph reads; give this or `ris`.',
      }),
      ris: t.arg.string({
        description: 'The text (RIS, or any format bibgraph reads); give this or `file`.',
        extensions: { [ALLOWS_NUL]: true, [MAX_LENGTH]: 'BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE' },
      }),
      format: t.arg({
        type: InputFormatEnum,
        defaultValue: 'AUTO',
        description: 'The input’s format; AUTO detects it from its content when the job runs.',
      }),
      source: t.arg.string({ description: 'A label stored with the ingestion; defaults to the file name.' }),
      dryRun: t.arg.boolean({
        defaultValue: false,
        description: 'Report what would happen and write nothing.',
      }),
    },
    resolve: async (query, _root, args, ctx) => {
      const queue = queueOf(ctx);
      if ((args.file == null) === (args.ris == null)) {
        throw new ValidationError('Give exactly one of `file` and `ris`', args.file == null ? 'file' : 'ris');
      }
      const size = args.file ? args.file.size : Buffer.byteLength(args.ris ?? '');
      if (size > ctx.live.maxBackgroundIngestBytes) {
        throw new GraphQLError(
          `The input is ${size} bytes, over the background ingest size limit of ${ctx.live.maxBackgroundIngestBytes} bytes (BIBGRAPH_MAX_BACKGROUND_INGEST_SIZE)`,
          { extensions: { code: 'PAYLOAD_TOO_LARGE' } },
        );
      }
      const id = await queue
        .submit({
          content: args.file
            ? (args.file.stream() as unknown as AsyncIterable<Uint8Array>)
            : (args.ris ?? ''),
          source: args.source ?? args.file?.name ?? null,
          dryRun: args.dryRun ?? false,
          format: args.format ?? 'AUTO',
          actor: ctx.auth.actor,
        })
        .catch(toGraphQLError);
      const row = await ctx.db.query.ingestions.findFirst(query({ where: { id } }));
      if (!row) throw new NotFoundError(`Ingestion ${id} is gone`);
      return row;
    },
  }),
  cancelIngestion: t.drizzleField({
    type: 'ingestions',
    description:
      'Cancels a background ingestion: a QUEUED one ends CANCELLED at once; a RUNNING one stops within about a second and rolls back (watch its status). A finished one is returned as it is.',
    args: {
      id: t.arg.globalID({ required: true, description: 'The ingestion to cancel.' }),
    },
    resolve: async (query, _root, args, ctx) => {
      const id = rowIdOf(args.id, 'Ingestion', 'id');
      const status = await queueOf(ctx).cancel(id);
      if (status === null) throw new NotFoundError(`No ingestion has the ID ${args.id.id}`, null);
      const row = await ctx.db.query.ingestions.findFirst(query({ where: { id } }));
      if (!row) throw new NotFoundError(`No ingestion has the ID ${args.id.id}`, null);
      return row;
    },
  }),
}));

builder.queryFields((t) => ({
  ingestions: t.drizzleConnection({
    type: 'ingestions',
    description: 'Past ingestions, newest first.',
    totalCount: (_parent, args, ctx) => {
      scopedOrdering(args, { id: 'desc' }, 'ingestions', null);
      return ctx.db.$count(ingestions);
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.ingestions.findMany(query(scopedOrdering(args, { id: 'desc' }, 'ingestions', null))),
  }),
}));
