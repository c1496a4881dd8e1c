import { GraphQLError } from 'graphql';
import type { Database } from '../db/client.ts';
import { NotFoundError } from '../errors.ts';
import type { ExportRecord } from '../export/record.ts';
import {
  bibliographyOf,
  EXPORT_FORMATS,
  type ExportFormat,
  ExportTooLargeError,
  exportBatchSize,
  exportDocument,
  exportOne,
  exportRecordsByIds,
  formatBibliography,
  loadSelection,
} from '../export/service.ts';
import {
  availableLocales,
  availableStyles,
  type CslStyleInfo,
  resolveLocale,
  resolveStyle,
  UnknownStyleError,
} from '../export/styles.ts';
import { builder } from './builder.ts';
import { CitationRef } from './citation.ts';
import { CitationFilterInput, toCitationFilter } from './citation-filter.ts';
import { setCost } from './complexity.ts';
import type { Context } from './context.ts';
import { MAX_ITEMS } from './extensions.ts';
import { rowIdsOf } from './node-ids.ts';

/** Sets built whole in one GraphQL answer are capped; GET /export streams any size. */
const MAX_BIBLIOGRAPHY = 5_000;
const MAX_EXPORT = 10_000;

export const ExportFormatEnum = builder.enumType('ExportFormat', {
  description: 'A bibliographic exchange format.',
  values: {
    RIS: {
      value: 'ris',
      description:
        'RIS (2011 layout, UTF-8). bibgraph reads its own RIS back as the same citation; tags it does not model are carried over from the source record.',
    },
    BIBTEX: {
      value: 'bibtex',
      description: 'BibTeX (UTF-8) with unique citation keys such as smith2019stem, smith2019stema.',
    },
    CSL_JSON: {
      value: 'csl_json',
      description: 'CSL-JSON, the input format of CSL processors (Zotero, Pandoc, citeproc-js).',
    },
  } as const,
});

export const CitationTextFormatEnum = builder.enumType('CitationTextFormat', {
  description: 'How a formatted citation is marked up.',
  values: {
    TEXT: { value: 'text', description: 'Plain text; italics and other styling are dropped.' },
    HTML: { value: 'html', description: 'HTML as citeproc writes it (`<div class="csl-entry">`, `<i>` …).' },
  } as const,
});

export const CitationStyleRef = builder.objectRef<CslStyleInfo>('CitationStyle').implement({
  description: 'A CSL citation style shipped with bibgraph.',
  fields: (t) => ({
    name: t.exposeString('name', {
      description: 'The name to pass as `style` ("apa", "vancouver", "chicago-author-date" …).',
    }),
    title: t.exposeString('title', { description: 'Full title of the style, e.g. "APA Style 7th edition".' }),
    cslId: t.exposeString('id', { description: "The style's CSL identifier (its zotero.org URL)." }),
    citationFormat: t.exposeString('citationFormat', {
      nullable: true,
      description:
        'How in-text citations look: "author-date", "numeric", "author" or "note"; null when the style does not say.',
    }),
    defaultLocale: t.exposeString('defaultLocale', {
      nullable: true,
      description: 'The locale the style was written for; null for styles meant for any language.',
    }),
  }),
});

interface BibliographyEntryShape {
  citationId: number;
  formatted: string;
}

const BibliographyEntryRef = builder.objectRef<BibliographyEntryShape>('BibliographyEntry').implement({
  description: 'One entry of a formatted bibliography.',
  fields: (t) => ({
    citation: t.field({
      type: CitationRef,
      description: 'The citation this entry formats.',
      resolve: (e) => ({ id: e.citationId }) as never,
    }),
    formatted: t.exposeString('formatted', {
      description: 'The entry in the requested style, locale and format.',
    }),
  }),
});

interface BibliographyShape {
  style: CslStyleInfo;
  locale: string;
  format: 'text' | 'html';
  entries: BibliographyEntryShape[];
  content: string;
}

const BibliographyRef = builder.objectRef<BibliographyShape>('Bibliography').implement({
  description:
    'A formatted reference list, sorted the way its style sorts (numeric styles keep the given order).',
  fields: (t) => ({
    style: t.field({
      type: CitationStyleRef,
      description: 'The style used.',
      // Fixed data: the per-entry multiplier of `bibliography` does not apply to it.
      complexity: { field: 0, multiplier: 0 },
      resolve: (b) => b.style,
    }),
    locale: t.exposeString('locale', {
      description: 'The locale used for terms, dates and punctuation.',
      complexity: 0,
    }),
    format: t.field({
      type: CitationTextFormatEnum,
      description: 'The markup used.',
      complexity: 0,
      resolve: (b) => b.format,
    }),
    count: t.int({ description: 'Number of entries.', complexity: 0, resolve: (b) => b.entries.length }),
    entries: t.field({
      type: [BibliographyEntryRef],
      description: 'The entries in bibliography order.',
      // `bibliography` already multiplies what is selected here by its number of entries.
      complexity: { field: 0, multiplier: 1 },
      resolve: (b) => b.entries,
    }),
    content: t.exposeString('content', {
      complexity: 0,
      description:
        'The whole bibliography as one document: one entry per line for TEXT, a `csl-bib-body` div for HTML; empty when there are no entries.',
    }),
  }),
});

interface ExportDocumentShape {
  format: ExportFormat;
  count: number;
  content: string;
}

const ExportDocumentRef = builder.objectRef<ExportDocumentShape>('ExportDocument').implement({
  description: 'A set of citations as one file in an exchange format.',
  fields: (t) => ({
    format: t.field({
      type: ExportFormatEnum,
      description: 'The format of `content`.',
      resolve: (d) => d.format,
    }),
    count: t.exposeInt('count', { description: 'Number of citations in the document.' }),
    contentType: t.string({
      description: 'The media type to serve the document with.',
      resolve: (d) => EXPORT_FORMATS[d.format].contentType,
    }),
    fileName: t.string({
      description: 'A suggested file name ("bibgraph.ris", "bibgraph.bib", "bibgraph.json").',
      resolve: (d) => `bibgraph.${EXPORT_FORMATS[d.format].extension}`,
    }),
    content: t.exposeString('content', {
      description:
        'The document: a RIS file, a .bib file or a CSL-JSON array (empty array when nothing matched).',
    }),
  }),
});

function userError(error: unknown): never {
  if (error instanceof UnknownStyleError) {
    throw new GraphQLError(error.message, {
      extensions: {
        code: 'BAD_USER_INPUT',
        [`available${error.kind === 'style' ? 'Styles' : 'Locales'}`]: error.available,
      },
    });
  }
  if (error instanceof ExportTooLargeError) {
    throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', limit: error.limit } });
  }
  throw error;
}

/**
 * Export records of the citations one GraphQL request asks about, fetched together: a list of
 * twenty citations with `export` costs one batch of queries, not twenty.
 */
class ExportRecordLoader {
  private readonly cache = new Map<number, Promise<ExportRecord | undefined>>();
  private queue: Array<{
    id: number;
    resolve: (r: ExportRecord | undefined) => void;
    reject: (e: unknown) => void;
  }> = [];

  constructor(private readonly db: Database) {}

  load(id: number): Promise<ExportRecord | undefined> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const promise = new Promise<ExportRecord | undefined>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => void this.flush());
      this.queue.push({ id, resolve, reject });
    });
    this.cache.set(id, promise);
    return promise;
  }

  private async flush(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const records = await exportRecordsByIds(
        this.db,
        batch.map((b) => b.id),
      );
      const byId = new Map(records.map((r) => [r.citation.id, r]));
      for (const b of batch) b.resolve(byId.get(b.id));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

const loaders = new WeakMap<object, ExportRecordLoader>();

/** Cost of formatting one citation with CSL (`formatted`): see docs on BIBGRAPH_MAX_COST. */
const FORMATTED_COST = 20;
/** Cost of writing one citation as RIS, BibTeX or CSL-JSON (`export`). */
const EXPORT_COST = 5;

function recordOf(ctx: Context, id: number): Promise<ExportRecord> {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new ExportRecordLoader(ctx.db);
    loaders.set(ctx, loader);
  }
  return loader.load(id).then((r) => {
    if (!r) throw new NotFoundError(`Citation ${id} no longer exists.`);
    return r;
  });
}

builder.drizzleObjectFields(CitationRef, (t) => ({
  export: t.string({
    description: 'This citation as a RIS record, a BibTeX entry or a CSL-JSON item.',
    complexity: EXPORT_COST,
    args: {
      format: t.arg({ type: ExportFormatEnum, required: true, description: 'The format to write.' }),
    },
    select: { columns: { id: true } },
    resolve: async (c, args, ctx) => exportOne(await recordOf(ctx, c.id), args.format),
  }),
  formatted: t.string({
    description:
      'This citation formatted by a CSL style, as it would appear in a reference list. An unknown style or locale is an error naming the available ones.',
    // A CSL render costs milliseconds, a column microseconds: a page of 100 formatted citations
    // costs 2,000 of the 30,000 a request may spend.
    complexity: FORMATTED_COST,
    args: {
      style: t.arg.string({
        defaultValue: 'apa',
        description:
          'A style name from `styles` ("apa", "vancouver", "harvard", "chicago-author-date", "mla", "ieee", "nature" …).',
      }),
      locale: t.arg.string({
        defaultValue: 'en-US',
        description:
          'A locale from `locales` ("en-US", "de-DE" …): the language of terms, dates and punctuation.',
      }),
      format: t.arg({
        type: CitationTextFormatEnum,
        defaultValue: 'text',
        description: 'Plain text or HTML.',
      }),
    },
    select: { columns: { id: true } },
    resolve: async (c, args, ctx) => {
      try {
        const options = renderOptions(args);
        resolveStyle(options.style);
        const rendered = bibliographyOf([await recordOf(ctx, c.id)], options);
        return rendered.entries[0]?.formatted ?? '';
      } catch (error) {
        return userError(error);
      }
    },
  }),
}));

interface RenderArgs {
  style?: string | null;
  locale?: string | null;
  format?: 'text' | 'html' | null;
}

/** An explicit null means the default, as if the argument were left out. */
function renderOptions(args: RenderArgs): { style: string; locale: string; format: 'text' | 'html' } {
  return { style: args.style ?? 'apa', locale: args.locale ?? 'en-US', format: args.format ?? 'text' };
}

function citationIds(
  list: ReadonlyArray<{ typename: string; id: string }> | null | undefined,
): number[] | null {
  return list ? rowIdsOf(list, 'Citation', 'ids') : null;
}

/** Records in the order of `ids` when given (numeric styles number them in that order), else by ID. */
function inRequestedOrder(records: ExportRecord[], ids: number[] | null): ExportRecord[] {
  if (!ids) return records;
  const rank = new Map(ids.map((id, i) => [id, i]));
  return [...records].sort((a, b) => (rank.get(a.citation.id) ?? 0) - (rank.get(b.citation.id) ?? 0));
}

builder.queryFields((t) => ({
  styles: t.field({
    type: [CitationStyleRef],
    description: 'The citation styles `formatted` and `bibliography` accept, by name.',
    resolve: () => availableStyles(),
  }),
  locales: t.stringList({
    description: 'The locales `formatted` and `bibliography` accept ("en-US", "de-DE" …).',
    resolve: () => availableLocales(),
  }),
  bibliography: t.field({
    type: BibliographyRef,
    description: `A formatted reference list of the selected citations (at most ${MAX_BIBLIOGRAPHY.toLocaleString('en-US')}), sorted as the style prescribes. Its cost is its number of entries (the IDs given, else the cap), charged for the formatting and for what each entry selects; large lists are formatted off the event loop and stop when the request times out.`,
    complexity: setCost(MAX_BIBLIOGRAPHY, true),
    args: {
      filter: t.arg({
        type: CitationFilterInput,
        description: 'Which citations; absent means all (unless `ids` is given).',
      }),
      ids: t.arg.globalIDList({
        description:
          'Citation IDs, combined with `filter` (AND). Numeric styles number the entries in this order.',
        extensions: { [MAX_ITEMS]: MAX_BIBLIOGRAPHY },
      }),
      style: t.arg.string({
        defaultValue: 'apa',
        description: 'A style name from `styles`.',
      }),
      locale: t.arg.string({
        defaultValue: 'en-US',
        description: 'A locale from `locales`.',
      }),
      format: t.arg({
        type: CitationTextFormatEnum,
        defaultValue: 'text',
        description: 'Plain text or HTML.',
      }),
    },
    resolve: async (_root, args, ctx) => {
      try {
        const options = renderOptions(args);
        const style = resolveStyle(options.style);
        const ids = citationIds(args.ids);
        const records = inRequestedOrder(
          await loadSelection(
            ctx.db,
            { filter: toCitationFilter(args.filter), ids },
            MAX_BIBLIOGRAPHY,
            exportBatchSize(ctx.dbKind),
          ),
          ids,
        );
        const rendered = await formatBibliography(records, options, ctx.signal);
        return {
          style,
          locale: resolveLocale(options.locale),
          format: options.format,
          entries: rendered.entries.map((e) => ({ citationId: Number(e.id), formatted: e.formatted })),
          content: rendered.document,
        };
      } catch (error) {
        return userError(error);
      }
    },
  }),
  exportCitations: t.field({
    type: ExportDocumentRef,
    description: `The selected citations (at most ${MAX_EXPORT.toLocaleString('en-US')}, in ID order) as one RIS, BibTeX or CSL-JSON document. Its cost is its number of citations (the IDs given, else the cap). GET /export streams sets of any size.`,
    complexity: setCost(MAX_EXPORT),
    args: {
      filter: t.arg({
        type: CitationFilterInput,
        description: 'Which citations; absent means all (unless `ids` is given).',
      }),
      ids: t.arg.globalIDList({
        description: 'Citation IDs, combined with `filter` (AND).',
        extensions: { [MAX_ITEMS]: MAX_EXPORT },
      }),
      format: t.arg({ type: ExportFormatEnum, required: true, description: 'The format to write.' }),
    },
    resolve: async (_root, args, ctx) => {
      try {
        const selection = { filter: toCitationFilter(args.filter), ids: citationIds(args.ids) };
        const { content, count } = await exportDocument(
          ctx.db,
          selection,
          args.format,
          MAX_EXPORT,
          exportBatchSize(ctx.dbKind),
        );
        return { format: args.format, count, content };
      } catch (error) {
        return userError(error);
      }
    },
  }),
}));
