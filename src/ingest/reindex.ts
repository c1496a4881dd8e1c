import { sql } from 'drizzle-orm';
import { recordChange } from '../audit/log.ts';
import { affiliationKey, authorKey } from '../citation/keys.ts';
import { upsertKeyed } from '../db/bulk.ts';
import { type Database, rowsOf } from '../db/client.ts';
import { affiliations, organizations } from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import { detectFormat, mapSourceRecord } from '../formats/read.ts';
import type { SourceRecord } from '../formats/types.ts';
import type { RisRecord } from '../ris/types.ts';
import { survivorsByKey } from './decisions.ts';
import { recomputeAuthorLinks } from './organization-links.ts';
import { type AddressRow, refreshOrganizationNames, storeAddresses } from './organizations.ts';

/*
 * `bibgraph reindex`: reads every stored citation's raw record again with the current mapper and
 * address parser, and rewrites what follows from it — the citation's addresses and the explicit
 * author links they carry, each address's parts and organizations, organization names, and every
 * author's organization links. Curators' decisions stay: merged-away names and organizations lead
 * to their survivors, moved units stay moved, rejected links stay rejected, and links a curator
 * made (linkAuthorAffiliation) are kept. Work goes in batches, each its own short write turn, so
 * the service keeps answering (and other writers get turns) while it runs. Everything written is
 * a function of the stored records and decisions, so a second run changes nothing.
 */

export interface ReindexProgress {
  phase: 'citations' | 'authors';
  done: number;
  total: number;
}

export interface ReindexOptions {
  /** Citations (then authors) per write turn. */
  batchSize?: number;
  onProgress?: (progress: ReindexProgress) => void;
  /** Named in the audit log. */
  actor?: string;
}

export interface ReindexReport {
  citations: number;
  addresses: number;
  unparsedAddresses: number;
  organizations: number;
  authors: number;
  links: number;
}

const list = (ids: readonly number[]) => `{${ids.join(',')}}`;

/**
 * A stored record as the mapper takes it (line numbers are gone; problems are not reported), with
 * the format its source text is in: a MEDLINE record's addresses belong to the authors they follow.
 */
function recordOf(
  id: number,
  rawTags: Array<{ tag: string; value: string }>,
  raw: string,
): RisRecord | SourceRecord {
  const ty =
    rawTags
      .find((t) => t.tag === 'TY')
      ?.value.trim()
      .toUpperCase() ?? '';
  const record = { index: id, line: 0, type: ty, tags: rawTags.map((t) => ({ ...t, line: 0 })), raw };
  const detected = detectFormat(raw);
  return 'format' in detected ? { ...record, format: detected.format } : record;
}

export async function reindexOrganizations(
  db: Database,
  options: ReindexOptions = {},
): Promise<ReindexReport> {
  const batchSize = options.batchSize ?? 500;
  const report: ReindexReport = {
    citations: 0,
    addresses: 0,
    unparsedAddresses: 0,
    organizations: 0,
    authors: 0,
    links: 0,
  };
  const [{ n: totalCitations } = { n: 0 }] = rowsOf<{ n: number }>(
    await db.execute(sql`select count(*)::int as n from citations`),
  );
  const read = new Set<number>();
  let after = 0;
  for (;;) {
    const done = await writeTransaction(db, 'reindex', async (tx) => {
      const rows = rowsOf<{ id: number; raw_tags: unknown; raw_record: string }>(
        await tx.execute(
          sql`select id, raw_tags, raw_record from citations where id > ${after} order by id limit ${batchSize}`,
        ),
      );
      if (rows.length === 0) return true;
      after = rows[rows.length - 1]?.id ?? after;
      await reindexCitations(tx, rows, read, report);
      return false;
    });
    options.onProgress?.({ phase: 'citations', done: report.citations, total: Number(totalCitations) });
    if (done) break;
  }

  // Phase two: organizations nothing names any more go (unless a curator decision or alias keeps
  // them), names follow the spellings, and links are recomputed for every author.
  await writeTransaction(db, 'reindex', async (tx) => {
    // Strings the old splitter made that the current one does not (an "E-mail" affiliation).
    await tx.execute(sql`delete from ${affiliations} a
      where not exists (select 1 from citation_affiliations ca where ca.affiliation_id = a.id)
      and not exists (select 1 from author_affiliations aa where aa.affiliation_id = a.id)`);
    await tx.execute(sql`delete from ${organizations} o where o.parent_id is not null
      and not exists (select 1 from affiliation_organizations ao where ao.organization_id = o.id)
      and not exists (select 1 from organization_link_decisions d where d.organization_id = o.id)`);
    await tx.execute(sql`delete from ${organizations} o where o.parent_id is null
      and not exists (select 1 from affiliation_organizations ao where ao.organization_id = o.id)
      and not exists (select 1 from ${organizations} u where u.parent_id = o.id)
      and not exists (select 1 from organization_link_decisions d where d.organization_id = o.id)`);
    const ids = rowsOf<{ id: number }>(await tx.execute(sql`select id from ${organizations}`)).map(
      (r) => r.id,
    );
    await refreshOrganizationNames(tx, ids);
    report.organizations = ids.length;
  });
  const authorIds = rowsOf<{ id: number }>(await db.execute(sql`select id from authors order by id`)).map(
    (r) => r.id,
  );
  for (let i = 0; i < authorIds.length; i += batchSize) {
    const slice = authorIds.slice(i, i + batchSize);
    await writeTransaction(db, 'reindex', (tx) => recomputeAuthorLinks(tx, slice));
    report.authors += slice.length;
    options.onProgress?.({ phase: 'authors', done: report.authors, total: authorIds.length });
  }
  await writeTransaction(db, 'reindex', async (tx) => {
    const [{ n } = { n: 0 }] = rowsOf<{ n: number }>(
      await tx.execute(sql`select count(*)::int as n from author_organizations`),
    );
    report.links = Number(n);
    if (options.actor) {
      await recordChange(tx, {
        actor: options.actor,
        action: 'reindex',
        subjects: [],
        before: null,
        after: report,
      });
    }
  });
  return report;
}

async function reindexCitations(
  tx: Database,
  rows: Array<{ id: number; raw_tags: unknown; raw_record: string }>,
  read: Set<number>,
  report: ReindexReport,
): Promise<void> {
  const mapped = rows.flatMap((r) => {
    const tags = (typeof r.raw_tags === 'string' ? JSON.parse(r.raw_tags) : r.raw_tags) as Array<{
      tag: string;
      value: string;
    }>;
    const { citation } = mapSourceRecord(recordOf(r.id, tags, r.raw_record));
    return citation ? [{ id: r.id, citation }] : [];
  });
  report.citations += rows.length;
  const ids = rows.map((r) => r.id);

  // Addresses: the current mapper's split, under merged-away names' survivors.
  const keys = mapped.flatMap((m) => m.citation.affiliations.map((a) => affiliationKey(a.name)));
  const survivors = await survivorsByKey(tx, 'Affiliation', keys);
  const fresh = new Map<string, typeof affiliations.$inferInsert>();
  for (const m of mapped) {
    for (const a of m.citation.affiliations) {
      const key = affiliationKey(a.name);
      if (!survivors.has(key) && !fresh.has(key))
        fresh.set(key, { name: a.name, nameKey: key, country: a.country });
    }
  }
  const affiliationIds = await upsertKeyed(tx, affiliations, affiliations.nameKey, affiliations.id, [
    ...fresh.values(),
  ]);
  for (const [key, s] of survivors) affiliationIds.set(key, s.id);

  // The credited authors, by the key ingestion deduplicated them on.
  const credited = rowsOf<{ citation_id: number; author_id: number; name_key: string }>(
    await tx.execute(sql`select c.citation_id, c.author_id, a.name_key from contributions c
      join authors a on a.id = c.author_id where c.citation_id = any(${list(ids)}::int[])`),
  );
  const authorSurvivors = await survivorsByKey(
    tx,
    'Author',
    mapped.flatMap((m) => m.citation.contributors.map((c) => authorKey(c.name))),
  );
  const authorOf = new Map(credited.map((c) => [`${c.citation_id}\u0000${c.name_key}`, c.author_id]));

  const citationLinks: Array<{ citation_id: number; affiliation_id: number; position: number }> = [];
  const authorLinks: Array<{
    author_id: number;
    affiliation_id: number;
    citation_id: number;
    rule: string | null;
  }> = [];
  const addresses: AddressRow[] = [];
  for (const { id, citation } of mapped) {
    const byIndex = citation.affiliations.map((a) => affiliationIds.get(affiliationKey(a.name)));
    const seen = new Set<number>();
    citation.affiliations.forEach((a, i) => {
      const affiliationId = byIndex[i];
      if (affiliationId === undefined || seen.has(affiliationId)) return;
      seen.add(affiliationId);
      citationLinks.push({ citation_id: id, affiliation_id: affiliationId, position: seen.size });
      report.addresses++;
      const address = a.address;
      if (address.organizations.length === 0) report.unparsedAddresses++;
      if (!read.has(affiliationId)) {
        read.add(affiliationId);
        addresses.push({ affiliationId, address });
      }
    });
    for (const c of citation.contributors) {
      const key = authorKey(c.name);
      const authorId = authorOf.get(`${id}\u0000${authorSurvivors.get(key)?.key ?? key}`);
      if (authorId === undefined) continue;
      c.affiliations.forEach((index, i) => {
        const affiliationId = byIndex[index];
        const rule = c.affiliationRules[i] ?? null;
        if (affiliationId !== undefined)
          authorLinks.push({ author_id: authorId, affiliation_id: affiliationId, citation_id: id, rule });
      });
    }
  }

  // Replace what the records say; links a curator made stay.
  await tx.execute(sql`delete from citation_affiliations where citation_id = any(${list(ids)}::int[])
    and affiliation_id not in (select affiliation_id from author_affiliations
      where citation_id = citation_affiliations.citation_id and rule = 'curator')`);
  await tx.execute(sql`delete from author_affiliations where citation_id = any(${list(ids)}::int[])
    and rule is distinct from 'curator'`);
  if (citationLinks.length > 0) {
    await tx.execute(sql`insert into citation_affiliations (citation_id, affiliation_id, position)
      select citation_id, affiliation_id, position from jsonb_to_recordset(${JSON.stringify(citationLinks)}::jsonb)
        as r(citation_id int, affiliation_id int, position int)
      on conflict (citation_id, affiliation_id) do update set position = excluded.position`);
  }
  if (authorLinks.length > 0) {
    await tx.execute(sql`insert into author_affiliations (author_id, affiliation_id, citation_id, rule)
      select author_id, affiliation_id, citation_id, rule from jsonb_to_recordset(${JSON.stringify(authorLinks)}::jsonb)
        as r(author_id int, affiliation_id int, citation_id int, rule text)
      on conflict do nothing`);
  }
  await storeAddresses(tx, addresses);
}
