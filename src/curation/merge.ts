import { and, eq, inArray, or, sql } from 'drizzle-orm';
import { recordChange, subjectId } from '../audit/log.ts';
import { type ChangedKind, noteChanges } from '../db/changes.ts';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  contributions,
  keywords,
  mergedIds,
  notDuplicates,
  organizationLinkDecisions,
} from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { recomputeAuthorLinks } from '../ingest/organization-links.ts';
import { refreshSearchDocuments } from '../query/search.ts';

export type MergeKind = 'Author' | 'Affiliation' | 'Keyword';

export interface MergeResult {
  intoId: number;
  mergedIds: number[];
  /** Citations whose links changed. */
  citationIds: number[];
}

const idList = (ids: readonly number[]) => `{${ids.join(',')}}`;

/** Checks the ids, the survivor and earlier "not duplicate" decisions; returns the rows to merge. */
async function prepare<Row extends { id: number }>(
  tx: Database,
  kind: MergeKind,
  intoId: number,
  fromIds: readonly number[],
  load: (ids: number[]) => Promise<Row[]>,
): Promise<{ into: Row; from: Row[] }> {
  const from = [...new Set(fromIds)];
  if (from.length === 0) throw new ValidationError('from must name at least one object to merge', 'from');
  if (from.includes(intoId)) {
    throw new ValidationError(`${kind}:${intoId} is both the survivor (into) and in from`, 'from');
  }
  const rows = await load([intoId, ...from]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of [intoId, ...from]) {
    if (!byId.has(id))
      throw new NotFoundError(`No ${kind.toLowerCase()} with ID ${kind}:${id}`, subjectId(kind, id));
  }
  const all = [intoId, ...from];
  const [marked] = await tx
    .select({ low: notDuplicates.lowId, high: notDuplicates.highId })
    .from(notDuplicates)
    .where(
      and(
        eq(notDuplicates.kind, kind),
        inArray(notDuplicates.lowId, all),
        inArray(notDuplicates.highId, all),
      ),
    )
    .limit(1);
  if (marked) {
    throw new ConflictError(
      `${kind}:${marked.low} and ${kind}:${marked.high} were marked as not duplicates; they cannot be merged`,
      subjectId(kind, marked.high === intoId ? marked.low : marked.high),
    );
  }
  return { into: byId.get(intoId) as Row, from: from.map((id) => byId.get(id) as Row) };
}

/** Old ids keep resolving, earlier redirects follow along, and "not duplicate" pairs carry over. */
async function redirect(
  tx: Database,
  kind: MergeKind,
  intoId: number,
  from: Array<{ id: number; key: string }>,
) {
  const fromIds = from.map((f) => f.id);
  await tx
    .update(mergedIds)
    .set({ intoId })
    .where(and(eq(mergedIds.kind, kind), inArray(mergedIds.intoId, fromIds)));
  await tx
    .insert(mergedIds)
    .values(from.map((f) => ({ kind, fromId: f.id, intoId, fromKey: f.key })))
    .onConflictDoUpdate({
      target: [mergedIds.kind, mergedIds.fromKey],
      set: { fromId: sql`excluded.from_id`, intoId: sql`excluded.into_id`, mergedAt: sql`now()` },
    });
  await tx.execute(sql`
    insert into ${notDuplicates} (kind, low_id, high_id, marked_by, marked_at)
    select kind, least(${intoId}::int, other), greatest(${intoId}::int, other), marked_by, marked_at
    from (
      select kind, case when low_id = any(${idList(fromIds)}::int[]) then high_id else low_id end as other, marked_by, marked_at
      from ${notDuplicates}
      where kind = ${kind} and (low_id = any(${idList(fromIds)}::int[]) or high_id = any(${idList(fromIds)}::int[]))
    ) moved
    on conflict do nothing`);
  await tx
    .delete(notDuplicates)
    .where(
      and(
        eq(notDuplicates.kind, kind),
        or(inArray(notDuplicates.lowId, fromIds), inArray(notDuplicates.highId, fromIds)),
      ),
    );
}

/** Citations linked to any of the ids through a link table. */
async function linkedCitations(
  tx: Database,
  table: string,
  column: string,
  ids: number[],
): Promise<number[]> {
  const rows = rowsOf<{ id: number }>(
    await tx.execute(
      sql`select distinct citation_id as id from ${sql.identifier(table)} where ${sql.identifier(column)} = any(${idList(ids)}::int[])`,
    ),
  );
  return rows.map((r) => r.id);
}

/**
 * Moves (citation, position) links of a two-column link table to the survivor, drops the ones the
 * survivor already has, and closes the gaps in positions.
 */
async function moveOrderedLinks(
  tx: Database,
  table: string,
  column: string,
  intoId: number,
  fromIds: number[],
  citationIds: number[],
) {
  const t = sql.identifier(table);
  const c = sql.identifier(column);
  await tx.execute(sql`insert into ${t} (citation_id, ${c}, position)
    select citation_id, ${intoId}::int, position from ${t} where ${c} = any(${idList(fromIds)}::int[])
    on conflict do nothing`);
  await tx.execute(sql`delete from ${t} where ${c} = any(${idList(fromIds)}::int[])`);
  if (citationIds.length === 0) return;
  await tx.execute(sql`update ${t} as l set position = r.rn
    from (select citation_id, ${c} as target, row_number() over (partition by citation_id order by position, ${c}) as rn
          from ${t} where citation_id = any(${idList(citationIds)}::int[])) r
    where l.citation_id = r.citation_id and l.${c} = r.target and l.position <> r.rn`);
}

async function moveAuthorAffiliations(
  tx: Database,
  column: 'author_id' | 'affiliation_id',
  intoId: number,
  fromIds: number[],
) {
  const c = sql.identifier(column);
  const other = sql.identifier(column === 'author_id' ? 'affiliation_id' : 'author_id');
  await tx.execute(sql`insert into ${authorAffiliations} (${c}, ${other}, citation_id)
    select ${intoId}::int, ${other}, citation_id from ${authorAffiliations} where ${c} = any(${idList(fromIds)}::int[])
    on conflict do nothing`);
  await tx.execute(sql`delete from ${authorAffiliations} where ${c} = any(${idList(fromIds)}::int[])`);
}

async function citationCount(tx: Database, table: string, column: string, id: number): Promise<number> {
  return (await linkedCitations(tx, table, column, [id])).length;
}

/**
 * Merges authors into one. Every credit moves to the survivor; a citation that credited two of them
 * in one role keeps the first credit only (the curator says they are one person). ORCID iDs may
 * not disagree; the survivor takes one it lacks.
 */
export async function mergeAuthors(
  db: Database,
  actor: string,
  intoId: number,
  fromIds: number[],
): Promise<MergeResult> {
  return writeTransaction(db, 'mergeAuthors', async (tx) => {
    const { into, from } = await prepare(tx, 'Author', intoId, fromIds, (ids) =>
      tx
        .select({ id: authors.id, name: authors.name, nameKey: authors.nameKey, orcid: authors.orcid })
        .from(authors)
        .where(inArray(authors.id, ids)),
    );
    const orcids = [...new Set([into, ...from].flatMap((a) => (a.orcid ? [a.orcid] : [])))];
    if (orcids.length > 1) {
      const other = from.find((a) => a.orcid && a.orcid !== (into.orcid ?? orcids[0]));
      throw new ConflictError(
        `These authors have different ORCID iDs (${orcids.join(', ')}), so they are different people`,
        other ? subjectId('Author', other.id) : null,
      );
    }
    const ids = from.map((a) => a.id);
    const all = [intoId, ...ids];
    const citationIds = await linkedCitations(tx, 'contributions', 'author_id', all);
    const before = {
      into: {
        id: subjectId('Author', into.id),
        name: into.name,
        orcid: into.orcid,
        citationCount: await citationCount(tx, 'contributions', 'author_id', intoId),
      },
      from: await Promise.all(
        from.map(async (a) => ({
          id: subjectId('Author', a.id),
          name: a.name,
          orcid: a.orcid,
          citationCount: await citationCount(tx, 'contributions', 'author_id', a.id),
        })),
      ),
    };
    await tx.update(contributions).set({ authorId: intoId }).where(inArray(contributions.authorId, ids));
    if (citationIds.length > 0) {
      await tx.execute(sql`delete from ${contributions} c using ${contributions} d
        where c.citation_id = d.citation_id and c.role = d.role and c.author_id = d.author_id
          and c.author_id = ${intoId} and c.position > d.position`);
      // Positions are part of the primary key: go through negative numbers so no intermediate
      // state collides with a position not yet moved.
      await tx.execute(sql`update ${contributions} as c set position = -r.rn
        from (select citation_id, role, position, row_number() over (partition by citation_id, role order by position) as rn
              from ${contributions} where citation_id = any(${idList(citationIds)}::int[])) r
        where c.citation_id = r.citation_id and c.role = r.role and c.position = r.position`);
      await tx.execute(sql`update ${contributions} set position = -position
        where citation_id = any(${idList(citationIds)}::int[]) and position < 0`);
    }
    await moveAuthorAffiliations(tx, 'author_id', intoId, ids);
    // Curators' word on the merged authors' organizations is the survivor's now.
    await tx.execute(sql`insert into ${organizationLinkDecisions} (author_id, organization_id, decision, decided_by, decided_at)
      select ${intoId}::int, organization_id, decision, decided_by, decided_at from ${organizationLinkDecisions}
      where author_id = any(${idList(ids)}::int[]) on conflict do nothing`);
    await redirect(
      tx,
      'Author',
      intoId,
      from.map((a) => ({ id: a.id, key: a.nameKey })),
    );
    await tx.delete(authors).where(inArray(authors.id, ids));
    await recomputeAuthorLinks(tx, [intoId]);
    const orcid = into.orcid ?? orcids[0] ?? null;
    if (orcid !== into.orcid)
      await tx.update(authors).set({ orcid, updatedAt: new Date() }).where(eq(authors.id, intoId));
    noteMerge(tx, 'Author', intoId, ids);
    await recordChange(tx, {
      actor,
      action: 'mergeAuthors',
      subjects: all.map((id) => subjectId('Author', id)),
      before,
      after: {
        into: {
          id: subjectId('Author', intoId),
          name: into.name,
          orcid,
          citationCount: await citationCount(tx, 'contributions', 'author_id', intoId),
        },
      },
    });
    return { intoId, mergedIds: ids, citationIds };
  });
}

/** Merges affiliations: citation and author links move to the survivor, which keeps its name. */
export async function mergeAffiliations(
  db: Database,
  actor: string,
  intoId: number,
  fromIds: number[],
): Promise<MergeResult> {
  return writeTransaction(db, 'mergeAffiliations', async (tx) => {
    const { into, from } = await prepare(tx, 'Affiliation', intoId, fromIds, (ids) =>
      tx
        .select({
          id: affiliations.id,
          name: affiliations.name,
          nameKey: affiliations.nameKey,
          country: affiliations.country,
        })
        .from(affiliations)
        .where(inArray(affiliations.id, ids)),
    );
    const ids = from.map((a) => a.id);
    const all = [intoId, ...ids];
    const citationIds = [
      ...new Set([
        ...(await linkedCitations(tx, 'citation_affiliations', 'affiliation_id', all)),
        ...(await linkedCitations(tx, 'author_affiliations', 'affiliation_id', all)),
      ]),
    ];
    const count = (id: number) => citationCount(tx, 'citation_affiliations', 'affiliation_id', id);
    const before = {
      into: {
        id: subjectId('Affiliation', intoId),
        name: into.name,
        country: into.country,
        citationCount: await count(intoId),
      },
      from: await Promise.all(
        from.map(async (a) => ({
          id: subjectId('Affiliation', a.id),
          name: a.name,
          country: a.country,
          citationCount: await count(a.id),
        })),
      ),
    };
    await moveOrderedLinks(tx, 'citation_affiliations', 'affiliation_id', intoId, ids, citationIds);
    await moveAuthorAffiliations(tx, 'affiliation_id', intoId, ids);
    await redirect(
      tx,
      'Affiliation',
      intoId,
      from.map((a) => ({ id: a.id, key: a.nameKey })),
    );
    await tx.delete(affiliations).where(inArray(affiliations.id, ids));
    const country = into.country ?? from.find((a) => a.country)?.country ?? null;
    if (country !== into.country) {
      await tx
        .update(affiliations)
        .set({ country, updatedAt: new Date() })
        .where(eq(affiliations.id, intoId));
    }
    noteMerge(tx, 'Affiliation', intoId, ids);
    await recordChange(tx, {
      actor,
      action: 'mergeAffiliations',
      subjects: all.map((id) => subjectId('Affiliation', id)),
      before,
      after: {
        into: {
          id: subjectId('Affiliation', intoId),
          name: into.name,
          country,
          citationCount: await count(intoId),
        },
      },
    });
    return { intoId, mergedIds: ids, citationIds };
  });
}

/** Merges keywords; citations that carried several of them keep one link, and search follows. */
export async function mergeKeywords(
  db: Database,
  actor: string,
  intoId: number,
  fromIds: number[],
): Promise<MergeResult> {
  return writeTransaction(db, 'mergeKeywords', async (tx) => {
    const { into, from } = await prepare(tx, 'Keyword', intoId, fromIds, (ids) =>
      tx
        .select({ id: keywords.id, term: keywords.term, termKey: keywords.termKey })
        .from(keywords)
        .where(inArray(keywords.id, ids)),
    );
    const ids = from.map((k) => k.id);
    const all = [intoId, ...ids];
    const citationIds = await linkedCitations(tx, 'citation_keywords', 'keyword_id', all);
    const count = (id: number) => citationCount(tx, 'citation_keywords', 'keyword_id', id);
    const before = {
      into: { id: subjectId('Keyword', intoId), term: into.term, citationCount: await count(intoId) },
      from: await Promise.all(
        from.map(async (k) => ({
          id: subjectId('Keyword', k.id),
          term: k.term,
          citationCount: await count(k.id),
        })),
      ),
    };
    await moveOrderedLinks(tx, 'citation_keywords', 'keyword_id', intoId, ids, citationIds);
    await redirect(
      tx,
      'Keyword',
      intoId,
      from.map((k) => ({ id: k.id, key: k.termKey })),
    );
    await tx.delete(keywords).where(inArray(keywords.id, ids));
    // Keyword text is part of each citation's search document.
    await refreshSearchDocuments(tx, citationIds);
    noteMerge(tx, 'Keyword', intoId, ids);
    await recordChange(tx, {
      actor,
      action: 'mergeKeywords',
      subjects: all.map((id) => subjectId('Keyword', id)),
      before,
      after: {
        into: { id: subjectId('Keyword', intoId), term: into.term, citationCount: await count(intoId) },
      },
    });
    return { intoId, mergedIds: ids, citationIds };
  });
}

/** The merged rows are gone into the survivor, which now holds their links. */
function noteMerge(tx: Database, kind: ChangedKind, intoId: number, mergedIds: number[]): void {
  noteChanges(tx, [
    ...mergedIds.map((id) => ({ kind, id, action: 'merged' as const, intoId })),
    { kind, id: intoId, action: 'updated' },
  ]);
}
