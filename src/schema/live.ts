import { encodeGlobalID } from '@pothos/plugin-relay';
import { eq } from 'drizzle-orm';
import { Repeater } from 'graphql-yoga';
import type { CHANGE_ACTIONS, CHANGED_KINDS, GraphChange, GraphChangeBatch } from '../db/changes.ts';
import { ingestions } from '../db/schema.ts';
import { FINISHED_STATUSES, type IngestionUpdate, updateFromRow } from '../ingest/background.ts';
import { changeMatches } from '../live/events.ts';
import { builder } from './builder.ts';
import type { Context } from './context.ts';
import { IngestionStatusEnum, IngestRisPayloadRef, reportOfRow } from './ingestion.ts';
import { rowIdOf } from './node-ids.ts';

/**
 * Subscriptions, over SSE (Yoga's GraphQL over SSE, and the graphql-sse protocol at /graphql/stream)
 * and WebSocket (graphql-ws at /graphql). Events come from src/live/events.ts: in this process, or
 * from every instance through Redis.
 */
builder.subscriptionType({
  description:
    'Live updates. Same token rules as queries; each client may hold BIBGRAPH_MAX_SUBSCRIPTIONS open per server (SUBSCRIPTION_LIMIT past that).',
});

export const ChangedKindEnum = builder.enumType('ChangedKind', {
  description:
    'Kinds of objects a graph change names. More may be added; clients should ignore kinds they do not know.',
  values: {
    CITATION: { value: 'Citation', description: 'A citation.' },
    AUTHOR: { value: 'Author', description: 'An author.' },
    AFFILIATION: { value: 'Affiliation', description: 'An affiliation.' },
    KEYWORD: { value: 'Keyword', description: 'A keyword.' },
    ORGANIZATION: { value: 'Organization', description: 'An organization or one of its units.' },
  } as const satisfies Record<string, { value: (typeof CHANGED_KINDS)[number]; description: string }>,
});

export const ChangeActionEnum = builder.enumType('ChangeAction', {
  description: 'What happened to an object.',
  values: {
    CREATED: { value: 'created', description: 'It was stored for the first time.' },
    UPDATED: { value: 'updated', description: 'Its fields or links changed.' },
    MERGED: {
      value: 'merged',
      description: 'It was merged into another (`mergedInto`); its ID now resolves to that one.',
    },
    DELETED: { value: 'deleted', description: 'It is gone.' },
  } as const satisfies Record<string, { value: (typeof CHANGE_ACTIONS)[number]; description: string }>,
});

const GraphChangeRef = builder.objectRef<GraphChange>('GraphChange').implement({
  description: 'One object a committed write changed.',
  fields: (t) => ({
    kind: t.field({ type: ChangedKindEnum, description: 'What kind of object.', resolve: (c) => c.kind }),
    id: t.id({
      description: 'Global ID of the object (of a deleted one too, for cache eviction).',
      resolve: (c) => encodeGlobalID(c.kind, c.id),
    }),
    action: t.field({
      type: ChangeActionEnum,
      description: 'What happened to it.',
      resolve: (c) => c.action,
    }),
    mergedInto: t.id({
      nullable: true,
      description: 'For MERGED: the global ID of the survivor; null otherwise.',
      resolve: (c) => (c.intoId === undefined ? null : encodeGlobalID(c.kind, c.intoId)),
    }),
  }),
});

const GraphChangedEventRef = builder.objectRef<GraphChangeBatch>('GraphChangedEvent').implement({
  description:
    'What one committed write changed, sent after its transaction committed (never before). A large ingest arrives as several events of at most 1,000 changes.',
  fields: (t) => ({
    operation: t.exposeString('operation', {
      description: 'The mutation or job that wrote it (ingestRis, startIngestion, mergeAuthors …).',
    }),
    committedAt: t.field({
      type: 'DateTime',
      description: 'When the transaction committed.',
      resolve: (b) => b.committedAt,
    }),
    changes: t.field({
      type: [GraphChangeRef],
      description: 'The changed objects that pass the subscription’s filter (never empty).',
      resolve: (b) => b.changes,
    }),
  }),
});

const GraphChangeFilter = builder.inputType('GraphChangeFilter', {
  description: 'Which changes to receive; every field given must match, and lists match any of their values.',
  fields: (t) => ({
    kinds: t.field({ type: [ChangedKindEnum], description: 'Only objects of these kinds.' }),
    actions: t.field({ type: [ChangeActionEnum], description: 'Only these actions.' }),
    ids: t.globalIDList({ description: 'Only these objects (global IDs), e.g. the ones a page shows.' }),
  }),
});

const IngestionProgressRef = builder.objectRef<IngestionUpdate>('IngestionProgress').implement({
  description:
    'Where a background ingestion is. The first event is its state when the subscription starts; the last has a finished status (with `result` when SUCCEEDED), and the subscription then ends.',
  fields: (t) => ({
    ingestion: t.drizzleField({
      type: 'ingestions',
      nullable: true,
      description: 'The ingestion itself; null if it was deleted.',
      resolve: (query, u, _args, ctx) =>
        ctx.db.query.ingestions.findFirst(query({ where: { id: u.id } })).then((i) => i ?? null),
    }),
    status: t.field({ type: IngestionStatusEnum, description: 'Where it is.', resolve: (u) => u.status }),
    records: t.exposeInt('records', { description: 'Records read so far.' }),
    bytes: t.exposeFloat('bytes', { description: 'Bytes of the input read so far.' }),
    bytesTotal: t.exposeFloat('bytesTotal', {
      nullable: true,
      description: 'Size of the input in bytes, when known.',
    }),
    problems: t.exposeInt('problems', { description: 'Problems reported so far (errors, warnings, notes).' }),
    recordsPerSecond: t.exposeInt('recordsPerSecond', {
      description: 'Records per second since it started.',
    }),
    error: t.exposeString('error', {
      nullable: true,
      description: 'Why it FAILED or was CANCELLED, or why an attempt is being retried.',
    }),
    result: t.field({
      type: IngestRisPayloadRef,
      nullable: true,
      description: 'The ingestRis report, in the SUCCEEDED event; null in the others.',
      resolve: async (u, _args, ctx) => {
        if (u.status !== 'succeeded') return null;
        const [row] = await ctx.db.select().from(ingestions).where(eq(ingestions.id, u.id));
        return row ? reportOfRow(row) : null;
      },
    }),
  }),
});

/** The client a subscription slot is counted for: its token, or its address without one. */
function clientKey(ctx: Context): string {
  const { caller } = ctx.auth;
  return caller.token.status === 'valid' ? `token:${caller.token.name}` : `ip:${caller.address ?? 'unknown'}`;
}

/**
 * Takes a subscription slot now (so a client over the limit gets SUBSCRIPTION_LIMIT instead of a
 * stream) and holds it while `events` runs. A client that ends the subscription or goes away (SSE
 * request aborted, socket closed) returns the iterator: the slot goes back and the Repeater stops
 * at once, removing its event listener, even while it waits for an event that may never come (an
 * async generator would only notice at its next event).
 */
function held<T>(
  ctx: Context,
  events: (push: (value: T) => Promise<unknown>, stop: Promise<unknown>) => Promise<void>,
): AsyncIterableIterator<T> {
  const release = ctx.live.events.openSubscription(clientKey(ctx));
  const inner = new Repeater<T>(async (push, stop) => {
    try {
      await events(push, stop);
    } finally {
      stop();
    }
  });
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const result = await inner.next();
      if (result.done) release();
      return result;
    },
    async return(value?: unknown) {
      release();
      return inner.return(value as T);
    },
    async throw(error?: unknown) {
      release();
      return inner.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  // Yoga's SSE response over node:http notices a closed connection only when it next writes, and
  // then does not end the subscription; the request's signal, aborted when the client goes away,
  // ends it at once.
  const signal = (ctx as { request?: Request }).request?.signal;
  signal?.addEventListener('abort', () => void iterator.return?.(), { once: true });
  return iterator;
}

/** The next value of `source`, or done once `stop` settles (the subscriber went away). */
function nextOrStop<T>(source: AsyncIterator<T>, stop: Promise<unknown>): Promise<IteratorResult<T>> {
  return Promise.race([
    source.next(),
    stop.then((): IteratorResult<T> => ({ done: true, value: undefined })),
  ]);
}

builder.subscriptionFields((t) => ({
  graphChanged: t.field({
    type: GraphChangedEventRef,
    description:
      'Citations, authors, affiliations and keywords created, updated, merged or deleted, by any writer on any instance (through Redis when REDIS_URL is set), each event after its transaction committed.',
    args: {
      filter: t.arg({
        type: GraphChangeFilter,
        description: 'Which changes to receive; all of them when left out.',
      }),
    },
    subscribe: (_root, args, ctx) => {
      const filter = {
        kinds: args.filter?.kinds ?? null,
        actions: args.filter?.actions ?? null,
        ids: args.filter?.ids ? new Set(args.filter.ids.map((id) => `${id.typename}:${id.id}`)) : null,
      };
      return held<GraphChangeBatch>(ctx, async (push, stop) => {
        const source = ctx.live.events.changes()[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await nextOrStop(source, stop);
            if (next.done) return;
            const changes = next.value.changes.filter((c) => changeMatches(c, filter, `${c.kind}:${c.id}`));
            if (changes.length > 0) await push({ ...next.value, changes });
          }
        } finally {
          await source.return?.();
        }
      });
    },
    resolve: (batch) => batch,
  }),
  ingestionProgress: t.field({
    type: IngestionProgressRef,
    description:
      'Progress of a background ingestion (startIngestion), wherever it runs: records and bytes done, rate, problems so far, and at the end the result. Ends after the finished event.',
    args: { id: t.arg.globalID({ required: true, description: 'The ingestion to follow.' }) },
    subscribe: (_root, args, ctx) => {
      const id = rowIdOf(args.id, 'Ingestion', 'id');
      return held<IngestionUpdate>(ctx, async (push, stop) => {
        // Listen first, then read the row: an event published in between is not lost.
        const source = ctx.live.events.progress(id)[Symbol.asyncIterator]();
        try {
          const [row] = await ctx.db.select().from(ingestions).where(eq(ingestions.id, id));
          if (!row) return;
          const first = ctx.live.queue?.live(id) ?? updateFromRow(row);
          await push(first);
          if (FINISHED_STATUSES.has(first.status)) return;
          for (;;) {
            const next = await nextOrStop(source, stop);
            if (next.done) return;
            await push(next.value);
            if (FINISHED_STATUSES.has(next.value.status)) return;
          }
        } finally {
          await source.return?.();
        }
      });
    },
    resolve: (update) => update,
  }),
}));
