import { GraphQLError } from 'graphql';
import { ingestions } from '../db/schema.ts';
import { IngestError } from '../ingest/errors.ts';
import { type IngestReport, ingestRis, type RecordOutcome } from '../ingest/ingest.ts';
import type { RisProblem } from '../ris/types.ts';
import { builder } from './builder.ts';
import { ALLOWS_NUL, MAX_LENGTH } from './extensions.ts';

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

export const IngestionRef = builder.drizzleNode('ingestions', {
  name: 'Ingestion',
  description: 'One ingest call (a mutation or a CLI run) and what it did.',
  id: { column: (i) => i.id, description: 'Global ID of the ingestion.' },
  fields: (t) => ({
    source: t.exposeString('source', {
      nullable: true,
      description: 'Label given by the caller (file name, feed).',
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

function toGraphQLError(error: unknown): never {
  if (error instanceof IngestError) {
    throw new GraphQLError(error.message, { extensions: { code: error.code } });
  }
  throw error;
}

builder.mutationFields((t) => ({
  ingestRis: t.field({
    type: IngestRisPayloadRef,
    description:
      'Ingests RIS text in one transaction: unmappable records are reported and skipped, a database failure stores nothing.',
    args: {
      input: t.arg({ type: IngestRisInput, required: true, description: 'The RIS text and options.' }),
    },
    resolve: async (_root, { input }, ctx) => {
      const bytes = Buffer.byteLength(input.ris);
      if (bytes > ctx.maxIngestBytes) {
        throw new GraphQLError(
          `RIS input is ${bytes} bytes, over the ingest size limit of ${ctx.maxIngestBytes} bytes (BIBGRAPH_MAX_INGEST_SIZE)`,
          { extensions: { code: 'PAYLOAD_TOO_LARGE' } },
        );
      }
      return ingestRis(ctx.db, input.ris, {
        source: input.source ?? null,
        dryRun: input.dryRun ?? false,
        maxBytes: ctx.maxIngestBytes,
        actor: ctx.auth.actor,
        action: 'ingestRis',
      }).catch(toGraphQLError);
    },
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
      source: t.arg.string({ description: 'A label stored with the ingestion; defaults to the file name.' }),
      dryRun: t.arg.boolean({
        defaultValue: false,
        description: 'Report what would happen and write nothing.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      const file = args.file;
      if (file.size > ctx.maxIngestBytes) {
        throw new GraphQLError(
          `Uploaded file "${file.name}" is ${file.size} bytes, over the ingest size limit of ${ctx.maxIngestBytes} bytes (BIBGRAPH_MAX_INGEST_SIZE)`,
          { extensions: { code: 'PAYLOAD_TOO_LARGE' } },
        );
      }
      const stream = file.stream() as unknown as AsyncIterable<Uint8Array>;
      return ingestRis(ctx.db, stream, {
        source: args.source ?? file.name ?? null,
        dryRun: args.dryRun ?? false,
        maxBytes: ctx.maxIngestBytes,
        actor: ctx.auth.actor,
        action: 'ingestRisFile',
      }).catch(toGraphQLError);
    },
  }),
}));

builder.queryFields((t) => ({
  ingestions: t.drizzleConnection({
    type: 'ingestions',
    description: 'Past ingestions, newest first.',
    totalCount: (_parent, _args, ctx) => ctx.db.$count(ingestions),
    resolve: (query, _root, _args, ctx) =>
      ctx.db.query.ingestions.findMany(query({ orderBy: { id: 'desc' } })),
  }),
}));
