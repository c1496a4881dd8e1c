import { sql } from 'drizzle-orm';
import { builder } from './builder.ts';
import { scopedOrdering } from './cursor-scope.ts';
import { toGlobalId } from './errors.ts';
import { decodeRowGlobalID, rowIdOf } from './node-ids.ts';

export const AuditEntryRef = builder.drizzleObject('auditLog', {
  name: 'AuditEntry',
  description: 'One change to the bibliography: who made it, when, to what, and the values before and after.',
  fields: (t) => ({
    sequence: t.exposeInt('id', { description: 'Position in the log; later changes have higher numbers.' }),
    at: t.expose('at', {
      type: 'DateTime',
      description: 'When the change committed (its transaction began).',
    }),
    actor: t.exposeString('actor', {
      description:
        'Who: the API token name, `env:<hash prefix>` for a BIBGRAPH_API_TOKENS token, `loopback` for a local client while no token existed, `cli` for the command line.',
    }),
    action: t.exposeString('action', {
      description: 'The mutation or command, e.g. `mergeAuthors`, `ingestRis`.',
    }),
    subjectIds: t.idList({
      description:
        'Global IDs of every object the change touched, the main one first. Some may no longer exist.',
      select: { columns: { subjects: true } },
      resolve: (e) => e.subjects.map((s) => toGlobalId(s) as string),
    }),
    before: t.expose('before', {
      type: 'JSON',
      nullable: true,
      description: 'The changed values before (only what changed); null when something was created.',
    }),
    after: t.expose('after', {
      type: 'JSON',
      nullable: true,
      description: 'The changed values after; null when something was deleted.',
    }),
  }),
});

function typedSubject(raw: string): string {
  const gid = decodeRowGlobalID(raw);
  const id = rowIdOf(
    gid,
    ['Citation', 'Author', 'Affiliation', 'Keyword', 'Ingestion', 'ApiToken'],
    'subjectId',
  );
  return `${gid.typename}:${id}`;
}

builder.queryFields((t) => ({
  history: t.drizzleConnection({
    type: 'auditLog',
    description:
      'Changes that touched one object, newest first: its updates, merges into or out of it, link changes, and for a citation the ingests that created or changed it (an ingest names its citations, not the authors, affiliations and keywords they brought). Readable by callers who may write (the log names tokens).',
    authScopes: { writer: true },
    args: {
      subjectId: t.arg.id({
        required: true,
        description: 'Global ID of a citation, author, affiliation, keyword or ingestion.',
      }),
    },
    resolve: (query, _root, args, ctx) => {
      const subject = typedSubject(String(args.subjectId));
      return ctx.db.query.auditLog.findMany(
        query({
          where: { RAW: (log) => sql`${log.subjects} @> array[${subject}]::text[]` },
          ...scopedOrdering(args, { id: 'desc' }, 'history', subject),
        }),
      );
    },
  }),
  changes: t.drizzleConnection({
    type: 'auditLog',
    description:
      'Every change since a moment, oldest first, for following the log (pass the `at` of the last entry seen, or page on). Readable by callers who may write.',
    authScopes: { writer: true },
    args: {
      since: t.arg({
        type: 'DateTime',
        required: true,
        description: 'Only changes at or after this instant.',
      }),
      actor: t.arg.string({ description: 'Only changes by this actor (token name, `loopback`, `cli`).' }),
    },
    resolve: (query, _root, args, ctx) =>
      ctx.db.query.auditLog.findMany(
        query({
          where: { at: { gte: args.since }, ...(args.actor ? { actor: args.actor } : {}) },
          ...scopedOrdering(args, { id: 'asc' }, 'changes', [args.since.toISOString(), args.actor ?? null]),
        }),
      ),
  }),
}));
