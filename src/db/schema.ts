import { type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  boolean,
  bytea,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** PostgreSQL's full-text document type; read back as its text form, which nothing needs. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};

/** One row per ingest call (GraphQL mutation or CLI run), kept as provenance. */
export const ingestions = pgTable('ingestions', {
  id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
  source: text('source'),
  dryRun: boolean('dry_run').notNull().default(false),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  found: integer('found').notNull().default(0),
  created: integer('created').notNull().default(0),
  updated: integer('updated').notNull().default(0),
  unchanged: integer('unchanged').notNull().default(0),
  failed: integer('failed').notNull().default(0),
  bytes: integer('bytes').notNull().default(0),
  /** The format the input was read as (RIS, BIBTEX, CSL_JSON, MEDLINE, WOS); null before it was known. */
  format: text('format'),
  /** Addresses stored raw because no organization could be read from them. */
  unparsedAddresses: integer('unparsed_addresses').notNull().default(0),
  problems: jsonb('problems')
    .$type<Array<{ record: number; line: number | null; severity: string; message: string }>>()
    .notNull()
    .default([]),
  /**
   * Where a background ingestion is (src/ingest/jobs.ts). A synchronous ingest's row is written in
   * its own transaction and only ever seen finished, hence the default.
   */
  status: text('status')
    .$type<'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'>()
    .notNull()
    .default('succeeded'),
  /** Records and bytes read so far by a running background ingestion (saved about once a second). */
  recordsDone: integer('records_done').notNull().default(0),
  bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
  /** Size of a background ingestion's upload; null for synchronous ingests. */
  bytesTotal: bigint('bytes_total', { mode: 'number' }),
  /** Why a background ingestion FAILED (or was CANCELLED), in words. */
  error: text('error'),
  /** Runs started for a background ingestion (a retry after a crashed instance is the next one). */
  attempts: integer('attempts').notNull().default(0),
  /** Set by cancelIngestion while the job runs on some instance; the runner stops and rolls back. */
  cancelRequested: boolean('cancel_requested').notNull().default(false),
  /** Who submitted a background ingestion, as the audit log names them. */
  actor: text('actor'),
  /** Per-record outcomes of a finished background ingestion, so its report outlives the job. */
  outcomes: jsonb('outcomes').$type<unknown[]>(),
  /** When a background ingestion was submitted; null for synchronous ingests. */
  queuedAt: timestamp('queued_at', { withTimezone: true }),
});

/**
 * The uploaded bytes of a background ingestion until its job ends, in chunks of about 1 MB:
 * instances share the database, not their disks, so whichever instance runs the job reads it here.
 */
export const ingestionUploads = pgTable(
  'ingestion_uploads',
  {
    ingestionId: integer('ingestion_id')
      .notNull()
      .references(() => ingestions.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    content: bytea('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ingestionId, t.seq] })],
);

export const citations = pgTable(
  'citations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    risType: text('ris_type').notNull(),
    title: text('title'),
    containerTitle: text('container_title'),
    shortTitle: text('short_title'),
    journalAbbreviation: text('journal_abbreviation'),
    abstract: text('abstract'),
    year: integer('year'),
    /** ISO 8601 at its real precision: 2017, 2017-05 or 2017-05-01. */
    date: text('date'),
    datePrecision: text('date_precision').$type<'year' | 'month' | 'day'>(),
    volume: text('volume'),
    issue: text('issue'),
    startPage: text('start_page'),
    endPage: text('end_page'),
    /** Lowercase bare DOI; unique when present. */
    doi: text('doi'),
    /**
     * A DOI the source gave this citation while another, clearly different work already held it
     * (exporters and publishers do reuse DOIs). `doi` stays null so the holder keeps its unique DOI;
     * the DOI is kept here, matched on re-ingest and shown as a conflict.
     */
    conflictingDoi: text('conflicting_doi'),
    issns: text('issns').array().notNull().default(sql`'{}'::text[]`),
    isbns: text('isbns').array().notNull().default(sql`'{}'::text[]`),
    urls: text('urls').array().notNull().default(sql`'{}'::text[]`),
    publisher: text('publisher'),
    place: text('place'),
    language: text('language'),
    notes: text('notes').array().notNull().default(sql`'{}'::text[]`),
    rawRecord: text('raw_record').notNull(),
    rawTags: jsonb('raw_tags').$type<Array<{ tag: string; value: string }>>().notNull(),
    /** Folded title + year + first author family; the dedup key when there is no DOI. */
    fingerprint: text('fingerprint'),
    /**
     * Hash of the normalised raw tags, set only for records with nothing stable to match on (no DOI
     * and no title that folds to something): the only way a re-ingest can recognise them.
     */
    rawHash: text('raw_hash'),
    /**
     * Fields a curator cleared (updateCitation with null). A re-ingest fills only empty fields, so
     * without this a cleared value would come back from the next copy of the record.
     */
    clearedFields: text('cleared_fields').array().notNull().default(sql`'{}'::text[]`),
    /** The ingestion that created or last changed this citation; kept when the ingestion row goes. */
    ingestionId: integer('ingestion_id').references(() => ingestions.id, { onDelete: 'set null' }),
    /**
     * Weighted full-text document (title A, keywords B, container title C, abstract D), written by
     * `refreshSearchDocuments` after ingestion because keywords live in another table.
     */
    searchVector: tsvector('search_vector'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('citations_doi_key').on(t.doi),
    // Without a DOI the fingerprint is the identity, so it must be unique among DOI-less rows;
    // with a DOI two papers may share title, year and first author (errata, replies).
    uniqueIndex('citations_fingerprint_no_doi_key').on(t.fingerprint).where(sql`${t.doi} is null`),
    index('citations_fingerprint_idx').on(t.fingerprint),
    index('citations_conflicting_doi_idx').on(t.conflictingDoi),
    uniqueIndex('citations_raw_hash_key').on(t.rawHash),
    index('citations_year_idx').on(t.year),
    index('citations_ris_type_idx').on(t.risType),
    index('citations_ingestion_id_idx').on(t.ingestionId),
    index('citations_created_at_idx').on(t.createdAt, t.id),
    index('citations_search_vector_idx').using('gin', t.searchVector),
    // The year orders of the citations connection sort by these expressions (never null, so keyset
    // cursors can pass undated rows); an index lets a page stop after its rows instead of sorting all.
    index('citations_year_desc_order_idx').on(sql`coalesce(${t.year}, 0)`, t.id),
    index('citations_year_asc_order_idx').on(sql`coalesce(${t.year}, 32767)`, t.id),
  ],
);

/**
 * An author's folded key (`family|given`, or `lit:name` for a corporate name) as the words a
 * person types first: "family given" (the corporate name as it is) and "given family". Typeahead
 * matches a prefix against both through the indexes on these exact expressions.
 */
export function authorFamilyGiven(nameKey: AnyPgColumn | SQL): SQL<string> {
  return sql<string>`replace(replace(${nameKey}, 'lit:', ''), '|', ' ')`;
}

/**
 * The sort key of a list of authors, affiliations, keywords or organizations by name: the folded
 * key without the `lit:` mark of a literal (corporate) name, byte-ordered. Each table has an index
 * on it and the id, so a page by name is a range of that index, however deep.
 */
export function nameOrderKey(key: AnyPgColumn | SQL): SQL<string> {
  return sql<string>`(regexp_replace(${key}, '^lit:', '') collate "C")`;
}

export function authorGivenFamily(nameKey: AnyPgColumn | SQL): SQL<string> {
  return sql<string>`(split_part(${nameKey}, '|', 2) || ' ' || split_part(${nameKey}, '|', 1))`;
}

export const authors = pgTable(
  'authors',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    family: text('family'),
    given: text('given'),
    suffix: text('suffix'),
    /** Corporate or unsplittable names ("World Health Organization"). */
    literal: text('literal'),
    /** Display form ("Xiaohua Wang"). */
    name: text('name').notNull(),
    /** Case- and diacritic-insensitive family + given: the dedup key. */
    nameKey: text('name_key').notNull(),
    orcid: text('orcid'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('authors_name_key_key').on(t.nameKey),
    uniqueIndex('authors_orcid_key').on(t.orcid),
    // Fuzzy name search compares folded query text with the folded key by trigrams.
    index('authors_name_key_trgm_idx').using('gin', t.nameKey.op('gin_trgm_ops')),
    // Typeahead's prefix path (src/query/suggest.ts): the name as "family given" and as "given
    // family", byte-ordered, so a prefix is a range of the index that a LIMIT stops early.
    index('authors_family_given_prefix_idx').on(sql`(${authorFamilyGiven(t.nameKey)}) collate "C"`),
    index('authors_given_family_prefix_idx').on(sql`(${authorGivenFamily(t.nameKey)}) collate "C"`),
    index('authors_name_order_idx').on(nameOrderKey(t.nameKey), t.id),
  ],
);

export const contributions = pgTable(
  'contributions',
  {
    // Deleting a citation removes its contributions; an author cannot be deleted while credited.
    citationId: integer('citation_id')
      .notNull()
      .references(() => citations.id, { onDelete: 'cascade' }),
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'restrict' }),
    role: text('role').notNull(),
    /** 1-based order within the role, as in the source. */
    position: integer('position').notNull(),
    /** The name exactly as written in the source record. */
    nameAsWritten: text('name_as_written').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.citationId, t.role, t.position] }),
    // Person → citations and citation → people, each from an index alone: an author's pages and
    // co-authors, and the authors facet, filtered (probed by citation: a term in 9,091 citations
    // at 1M reads 15,000 heap pages fewer) or over the whole library (read in person order and
    // grouped as it streams: 11 → 2.5 s at 1M, where it sorted or hashed five million credits).
    index('contributions_author_citation_idx').on(t.authorId, t.citationId),
    index('contributions_citation_author_idx').on(t.citationId, t.authorId),
  ],
);

export const affiliations = pgTable(
  'affiliations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    nameKey: text('name_key').notNull(),
    country: text('country'),
    // The address read into its parts (src/address/parse.ts). Null `parsedAt` means not read yet
    // (a row from before organizations existed): `bibgraph reindex` reads it.
    street: text('street'),
    city: text('city'),
    region: text('region'),
    postalCode: text('postal_code'),
    /** ISO 3166-1 alpha-2 code of the country the address names. */
    countryCode: text('country_code'),
    /** True when the string held e-mail addresses, which were left out of every part. */
    emailsRemoved: boolean('emails_removed').notNull().default(false),
    /** False when no organization could be read from the string (it is kept raw all the same). */
    parsed: boolean('parsed').notNull().default(false),
    parsedAt: timestamp('parsed_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('affiliations_name_key_key').on(t.nameKey),
    index('affiliations_country_code_idx').on(t.countryCode),
    index('affiliations_country_idx').on(t.country),
    index('affiliations_name_key_trgm_idx').using('gin', t.nameKey.op('gin_trgm_ops')),
    index('affiliations_name_key_prefix_idx').on(sql`${t.nameKey} collate "C"`),
    index('affiliations_name_order_idx').on(nameOrderKey(t.nameKey), t.id),
  ],
);

export const citationAffiliations = pgTable(
  'citation_affiliations',
  {
    citationId: integer('citation_id')
      .notNull()
      .references(() => citations.id, { onDelete: 'cascade' }),
    affiliationId: integer('affiliation_id')
      .notNull()
      .references(() => affiliations.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.citationId, t.affiliationId] }),
    index('citation_affiliations_affiliation_id_idx').on(t.affiliationId),
  ],
);

/** An author seen at an affiliation, with the citation that shows it. */
export const authorAffiliations = pgTable(
  'author_affiliations',
  {
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'cascade' }),
    affiliationId: integer('affiliation_id')
      .notNull()
      .references(() => affiliations.id, { onDelete: 'cascade' }),
    citationId: integer('citation_id')
      .notNull()
      .references(() => citations.id, { onDelete: 'cascade' }),
    /**
     * How the record linked them (the mapper's rule: one author, addresses in author order, a name
     * prefix …); `curator` for linkAuthorAffiliation; null for links stored before rules were kept.
     */
    rule: text('rule'),
  },
  (t) => [
    primaryKey({ columns: [t.authorId, t.affiliationId, t.citationId] }),
    index('author_affiliations_affiliation_id_idx').on(t.affiliationId),
    index('author_affiliations_citation_id_idx').on(t.citationId),
  ],
);

/**
 * Institutions (universities, hospitals, companies …) and their units (departments, schools,
 * labs), read from affiliation strings. A unit is an organization whose `parentId` is its
 * organization, so a query on an organization rolls its units up. One row per (key, country,
 * parent): the same name in two countries is two organizations.
 */
export const organizations = pgTable(
  'organizations',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    /** The most frequent spelling among the addresses that name it. */
    name: text('name').notNull(),
    /** Folded name (case, accents, "The", abbreviations): the dedup key (src/address/organization-key.ts). */
    key: text('key').notNull(),
    countryCode: text('country_code'),
    countryName: text('country_name'),
    /** OrganizationKind for organizations, UnitKind for units. */
    kind: text('kind').notNull(),
    /** The organization a unit belongs to; null for an organization. */
    parentId: integer('parent_id').references((): AnyPgColumn => organizations.id, { onDelete: 'cascade' }),
    ...timestamps,
  },
  (t) => [
    unique('organizations_identity_key').on(t.key, t.countryCode, t.parentId).nullsNotDistinct(),
    index('organizations_parent_id_idx').on(t.parentId),
    index('organizations_country_code_idx').on(t.countryCode),
    index('organizations_key_trgm_idx').using('gin', t.key.op('gin_trgm_ops')),
    // The list by name shows top-level organizations unless asked for units too: the index holds
    // those, so a page of them is a range of it (units included, the page sorts what matches).
    index('organizations_top_level_order_idx')
      .on(nameOrderKey(t.key), t.id)
      .where(sql`${t.parentId} is null`),
  ],
);

/**
 * What each affiliation string names: its organizations and their units, with the spelling used.
 * Derived from the string alone, so ingest writes it once per new string and reindex rewrites it.
 */
export const affiliationOrganizations = pgTable(
  'affiliation_organizations',
  {
    affiliationId: integer('affiliation_id')
      .notNull()
      .references(() => affiliations.id, { onDelete: 'cascade' }),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** 0-based order of the organization in the address (the main one first). */
    position: integer('position').notNull(),
    /** 0 for the organization itself, 1… for its units, most specific first. */
    depth: integer('depth').notNull(),
    /** The name as the address wrote it: the spellings an organization shows are these. */
    spelling: text('spelling').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.affiliationId, t.organizationId] }),
    index('affiliation_organizations_organization_id_idx').on(t.organizationId),
  ],
);

/**
 * An author at an organization, with the evidence: one row per pair, gathering every citation
 * that links them. EXPLICIT when any record links them, else INFERRED by the rules of
 * src/organizations/infer.ts (`rules`). Derived from the records: recomputed for the authors each
 * ingest touches, and by reindex. One row per pair rather than per citation keeps the table the
 * size of what is asked of it (timelines, people), not of authors × citations × addresses.
 * `organizationId` is always a top-level organization.
 */
export const authorOrganizations = pgTable(
  'author_organizations',
  {
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'cascade' }),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    evidence: text('evidence').$type<'EXPLICIT' | 'INFERRED'>().notNull(),
    /** The rules that made the links (explicit rules such as SINGLE_AUTHOR, or inference rules). */
    rules: text('rules').array().notNull(),
    /** Highest confidence among the links, in [0, 1] (1 for explicit). */
    confidence: doublePrecision('confidence').notNull(),
    /** Every citation linking them, explicitly or by inference. */
    citationIds: integer('citation_ids').array().notNull(),
    /** Citations whose evidence supports the inferred links (a few; the first by id). */
    supportingCitationIds: integer('supporting_citation_ids').array().notNull().default(sql`'{}'::int[]`),
    /** Units the explicit addresses name, most frequent first. */
    unitIds: integer('unit_ids').array().notNull().default(sql`'{}'::int[]`),
    firstYear: integer('first_year'),
    lastYear: integer('last_year'),
    citationCount: integer('citation_count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.authorId, t.organizationId] }),
    // An organization's people, most cited first (a page stops early), and their number counted
    // from the index alone (the confidence decides which links count).
    index('author_organizations_people_idx').on(
      t.organizationId,
      t.citationCount.desc().nullsFirst(),
      t.authorId,
      t.confidence,
    ),
  ],
);

/**
 * Curators' word on an author ↔ organization pair. REJECTED pairs are never linked again, by any
 * later ingest or reindex; CONFIRMED pairs are returned whatever their confidence.
 */
export const organizationLinkDecisions = pgTable(
  'organization_link_decisions',
  {
    authorId: integer('author_id')
      .notNull()
      .references(() => authors.id, { onDelete: 'cascade' }),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    decision: text('decision').$type<'CONFIRMED' | 'REJECTED'>().notNull(),
    decidedBy: text('decided_by').notNull(),
    decidedAt: timestamp('decided_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.authorId, t.organizationId] }),
    index('organization_link_decisions_organization_id_idx').on(t.organizationId),
  ],
);

/**
 * Identities (key, country, parent) that lead to another organization: organizations merged away
 * and units moved to another organization. Ingest and reindex resolve an address through these,
 * so a re-read string does not bring the duplicate (or the unit under its old parent) back.
 */
export const organizationAliases = pgTable(
  'organization_aliases',
  {
    /** `organizationIdentity(key, countryCode, parentId)`. */
    identity: text('identity').primaryKey(),
    organizationId: integer('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    reason: text('reason').$type<'merge' | 'move'>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('organization_aliases_organization_id_idx').on(t.organizationId)],
);

export const keywords = pgTable(
  'keywords',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    term: text('term').notNull(),
    /** Case-insensitive (folded) term: the dedup key. */
    termKey: text('term_key').notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('keywords_term_key_key').on(t.termKey),
    index('keywords_term_key_trgm_idx').using('gin', t.termKey.op('gin_trgm_ops')),
    index('keywords_term_key_prefix_idx').on(sql`${t.termKey} collate "C"`),
    index('keywords_term_order_idx').on(nameOrderKey(t.termKey), t.id),
  ],
);

export const citationKeywords = pgTable(
  'citation_keywords',
  {
    citationId: integer('citation_id')
      .notNull()
      .references(() => citations.id, { onDelete: 'cascade' }),
    keywordId: integer('keyword_id')
      .notNull()
      .references(() => keywords.id, { onDelete: 'restrict' }),
    position: integer('position').notNull(),
    /**
     * The keyword as this record wrote it; the keyword's term is its most frequent spelling. Null
     * on rows from before spellings were kept: they count as the keyword's term.
     */
    spelling: text('spelling'),
  },
  (t) => [
    primaryKey({ columns: [t.citationId, t.keywordId] }),
    index('citation_keywords_keyword_id_idx').on(t.keywordId),
  ],
);

/**
 * The write generation: one row whose `value` moves on by one with every committed transaction
 * that changed a table counts and facets read (citations, their links, authors, affiliations,
 * keywords, organizations). Triggers keep it, whoever writes (GraphQL, `bibgraph ingest` straight
 * into PostgreSQL, curation, background jobs, hand-written SQL); the custom migration
 * add_write_generation_triggers defines them. A statement that reads this row together with
 * counts sees both in one snapshot, so a cached count is filed under exactly the generation it was
 * counted at (src/query/count-cache.ts).
 */
export const writeGeneration = pgTable(
  'write_generation',
  {
    id: integer('id').primaryKey(),
    /**
     * Random per database: a cache shared through Redis by several deployments (or test databases)
     * under one key prefix never takes one database's counts for another's at the same value.
     */
    epoch: uuid('epoch').notNull().defaultRandom(),
    value: bigint('value', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('write_generation_one_row', sql`${t.id} = 1`)],
);

/**
 * A writing transaction's note that it owes the generation a bump: the first write of a
 * transaction inserts one row, and a deferred constraint trigger on it bumps `write_generation`
 * and deletes the row at commit. So the counter row is locked only while a writer commits, not for
 * its whole transaction. Always empty outside an open transaction.
 */
export const writeGenerationPending = pgTable('write_generation_pending', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
});

/**
 * The facets of the whole library and its total, kept by the writers (docs/performance.md,
 * "Facets of the whole library"): one row per bucket, `kind` a facet (`years`, `types`,
 * `containerTitles`, `keywords`, `affiliations`, `authors`, `organizations`, `countries`) or
 * `citations` (the total). A bucket is named by `id` (the year, or the keyword's, affiliation's,
 * person's or organization's row) or by `value` (the type code, the country code, or a container
 * title as spelled: the facet groups spellings case-insensitively when it reads them). Buckets
 * that fell to 0 stay until the next rebuild; readers skip them.
 *
 * Triggers on the tables they count write each statement's change into `facet_changes`, and the
 * write generation's commit-time trigger adds the transaction's changes here, so these rows are
 * locked only while a writer commits and every snapshot sees them agree with the rows they count.
 * The custom migration add_facet_totals_triggers defines them and `rebuild_facet_totals()`.
 */
export const facetTotals = pgTable(
  'facet_totals',
  {
    kind: text('kind').notNull(),
    id: integer('id').notNull().default(0),
    value: text('value').notNull().default(''),
    count: integer('count').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.id, t.value] }),
    // A facet's largest buckets in its order (count, then id), from the index alone.
    index('facet_totals_largest_idx').on(t.kind, t.count.desc().nullsFirst(), t.id, t.value),
  ],
);

/**
 * The citations each bucket of the organizations and countries facets holds, for the whole
 * library: `kind` `organizations` (a top-level organization's `id`, its units rolled up) or
 * `countries` (the code in `value`). A citation reaches them through its addresses, so a link, an
 * address's organizations or country, or a unit's move changes them; the write generation's
 * commit-time trigger recomputes the citations a transaction touched and adds the difference to
 * `facet_totals` (migration add_facet_totals_triggers).
 */
export const facetMemberships = pgTable(
  'facet_memberships',
  {
    kind: text('kind').notNull(),
    citationId: integer('citation_id').notNull(),
    id: integer('id').notNull().default(0),
    value: text('value').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.citationId, t.kind, t.id, t.value] })],
);

/**
 * Changes to `facet_totals` written by an open transaction's statements (its id in `txid`), added
 * to the totals when it commits. Empty outside an open writing transaction.
 */
export const facetChanges = pgTable(
  'facet_changes',
  {
    txid: bigint('txid', { mode: 'number' }).notNull().default(sql`txid_current()`),
    kind: text('kind').notNull(),
    id: integer('id').notNull().default(0),
    value: text('value').notNull().default(''),
    delta: integer('delta').notNull(),
  },
  (t) => [index('facet_changes_txid_idx').on(t.txid)],
);

export type Citation = typeof citations.$inferSelect;
export type NewCitation = typeof citations.$inferInsert;
export type Author = typeof authors.$inferSelect;
export type Affiliation = typeof affiliations.$inferSelect;
export type Keyword = typeof keywords.$inferSelect;
export type Organization = typeof organizations.$inferSelect;
export type AuthorOrganization = typeof authorOrganizations.$inferSelect;
export type Ingestion = typeof ingestions.$inferSelect;

/**
 * API tokens. Only the SHA-256 of a token is stored, so a leaked database holds no usable secret.
 * Revoked tokens stay (revokedAt set) so the audit log's token names keep meaning something.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    name: text('name').notNull(),
    /** Lowercase hex SHA-256 of the token. */
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash),
    // A name may be reused once its previous token is revoked.
    uniqueIndex('api_tokens_active_name_key').on(t.name).where(sql`${t.revokedAt} is null`),
  ],
);

/** One row per change: who (token name), when, which objects, and the values before and after. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** Token name; `loopback` for an unauthenticated local client; `cli` for the command line. */
    actor: text('actor').notNull(),
    /** The mutation or command, e.g. `mergeAuthors`. */
    action: text('action').notNull(),
    /** Typed ids (`Author:12`) of every object the change touched, the main one first. */
    subjects: text('subjects').array().notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_at_idx').on(t.at, t.id), index('audit_log_subjects_idx').using('gin', t.subjects)],
);

/**
 * Authors, affiliations, keywords and organizations merged into another. The old id keeps resolving to the
 * survivor, and the merged-away dedup key keeps a re-ingest from bringing the duplicate back.
 */
export const mergedIds = pgTable(
  'merged_ids',
  {
    kind: text('kind').$type<'Author' | 'Affiliation' | 'Keyword' | 'Organization'>().notNull(),
    fromId: integer('from_id').notNull(),
    intoId: integer('into_id').notNull(),
    /** nameKey / termKey of the merged-away row. */
    fromKey: text('from_key').notNull(),
    mergedAt: timestamp('merged_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.fromId] }),
    uniqueIndex('merged_ids_kind_from_key_key').on(t.kind, t.fromKey),
    index('merged_ids_kind_into_id_idx').on(t.kind, t.intoId),
  ],
);

/**
 * Earlier identities of a citation a curator edited: the DOI it had before a correction, the
 * fingerprint (title/year/first author) before a title or year change. Ingestion matches records on
 * these too, so re-ingesting the original file finds the curated citation instead of a new one.
 */
export const citationAliases = pgTable(
  'citation_aliases',
  {
    kind: text('kind').$type<'doi' | 'fingerprint'>().notNull(),
    /** The normalised DOI or the fingerprint. */
    key: text('key').notNull(),
    citationId: integer('citation_id')
      .notNull()
      .references(() => citations.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.key] }),
    index('citation_aliases_citation_id_idx').on(t.citationId),
  ],
);

/**
 * Pairs a curator declared distinct although they look alike. Stored once per pair, lower id
 * first; merges refuse them and ingestion's fingerprint match respects them.
 */
export const notDuplicates = pgTable(
  'not_duplicates',
  {
    kind: text('kind').$type<'Citation' | 'Author' | 'Affiliation' | 'Keyword'>().notNull(),
    lowId: integer('low_id').notNull(),
    highId: integer('high_id').notNull(),
    markedBy: text('marked_by').notNull(),
    markedAt: timestamp('marked_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.lowId, t.highId] }),
    index('not_duplicates_kind_high_id_idx').on(t.kind, t.highId),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
export type AuditEntry = typeof auditLog.$inferSelect;
