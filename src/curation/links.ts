import { and, eq, sql } from 'drizzle-orm';
import { recordChange, subjectId } from '../audit/log.ts';
import { noteChanges } from '../db/changes.ts';
import type { Database } from '../db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  citationAffiliations,
  citations,
  contributions,
  keywords,
  notDuplicates,
} from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { recomputeAuthorLinks } from '../ingest/organization-links.ts';

async function mustExist(tx: Database, kind: 'Author' | 'Affiliation' | 'Citation' | 'Keyword', id: number) {
  const table = { Author: authors, Affiliation: affiliations, Citation: citations, Keyword: keywords }[kind];
  const [row] = await tx.select({ id: table.id }).from(table).where(eq(table.id, id));
  if (!row) throw new NotFoundError(`No ${kind.toLowerCase()} with ID ${kind}:${id}`, subjectId(kind, id));
}

/**
 * Records that a citation shows an author at an affiliation. The citation must credit the author;
 * it gains the affiliation in its own list when it lacked it.
 */
export async function linkAuthorAffiliation(
  db: Database,
  actor: string,
  link: { authorId: number; affiliationId: number; citationId: number },
): Promise<void> {
  await writeTransaction(db, 'linkAuthorAffiliation', async (tx) => {
    await mustExist(tx, 'Author', link.authorId);
    await mustExist(tx, 'Affiliation', link.affiliationId);
    await mustExist(tx, 'Citation', link.citationId);
    const [credit] = await tx
      .select({ role: contributions.role })
      .from(contributions)
      .where(and(eq(contributions.citationId, link.citationId), eq(contributions.authorId, link.authorId)))
      .limit(1);
    if (!credit) {
      throw new ValidationError(
        `Citation:${link.citationId} does not credit Author:${link.authorId}, so it cannot show them at an affiliation`,
        'citation',
      );
    }
    // Marked as the curator's, so `bibgraph reindex` (which rewrites what records say) keeps it.
    const inserted = await tx
      .insert(authorAffiliations)
      .values({ ...link, rule: 'curator' })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) {
      throw new ConflictError('This author is already linked to this affiliation through this citation');
    }
    const added =
      await tx.execute(sql`insert into ${citationAffiliations} (citation_id, affiliation_id, position)
      select ${link.citationId}::int, ${link.affiliationId}::int, coalesce(max(position), 0) + 1
      from ${citationAffiliations} where citation_id = ${link.citationId}
      on conflict do nothing returning affiliation_id`);
    await recomputeAuthorLinks(tx, [link.authorId]);
    noteChanges(tx, [
      { kind: 'Author', id: link.authorId, action: 'updated' },
      { kind: 'Affiliation', id: link.affiliationId, action: 'updated' },
    ]);
    await recordChange(tx, {
      actor,
      action: 'linkAuthorAffiliation',
      subjects: [
        subjectId('Author', link.authorId),
        subjectId('Affiliation', link.affiliationId),
        subjectId('Citation', link.citationId),
      ],
      before: null,
      after: {
        author: subjectId('Author', link.authorId),
        affiliation: subjectId('Affiliation', link.affiliationId),
        citation: subjectId('Citation', link.citationId),
        addedToCitation:
          (Array.isArray(added) ? added : ((added as { rows?: unknown[] }).rows ?? [])).length > 0,
      },
    });
  });
}

/**
 * Removes the evidence that an author was at an affiliation: through one citation, or through all
 * when citationId is null. Citations keep the affiliation in their own list.
 */
export async function unlinkAuthorAffiliation(
  db: Database,
  actor: string,
  link: { authorId: number; affiliationId: number; citationId: number | null },
): Promise<number> {
  return writeTransaction(db, 'unlinkAuthorAffiliation', async (tx) => {
    await mustExist(tx, 'Author', link.authorId);
    await mustExist(tx, 'Affiliation', link.affiliationId);
    const where = and(
      eq(authorAffiliations.authorId, link.authorId),
      eq(authorAffiliations.affiliationId, link.affiliationId),
      link.citationId === null ? undefined : eq(authorAffiliations.citationId, link.citationId),
    );
    const removed = await tx.delete(authorAffiliations).where(where).returning();
    if (removed.length === 0) {
      throw new NotFoundError(
        `Author:${link.authorId} is not linked to Affiliation:${link.affiliationId}${link.citationId === null ? '' : ` through Citation:${link.citationId}`}`,
      );
    }
    await recomputeAuthorLinks(tx, [link.authorId]);
    noteChanges(tx, [
      { kind: 'Author', id: link.authorId, action: 'updated' },
      { kind: 'Affiliation', id: link.affiliationId, action: 'updated' },
    ]);
    await recordChange(tx, {
      actor,
      action: 'unlinkAuthorAffiliation',
      subjects: [subjectId('Author', link.authorId), subjectId('Affiliation', link.affiliationId)],
      before: { citations: removed.map((r) => subjectId('Citation', r.citationId)) },
      after: null,
    });
    return removed.length;
  });
}

export type DuplicateKind = 'Citation' | 'Author' | 'Affiliation' | 'Keyword';

/** Records that two look-alike objects are distinct. Marking a pair twice changes nothing. */
export async function markNotDuplicate(
  db: Database,
  actor: string,
  kind: DuplicateKind,
  aId: number,
  bId: number,
): Promise<{ created: boolean }> {
  if (aId === bId)
    throw new ValidationError('An object cannot be distinct from itself; pass two different IDs', 'b');
  return writeTransaction(db, 'markNotDuplicate', async (tx) => {
    await mustExist(tx, kind, aId);
    await mustExist(tx, kind, bId);
    const lowId = Math.min(aId, bId);
    const highId = Math.max(aId, bId);
    const inserted = await tx
      .insert(notDuplicates)
      .values({ kind, lowId, highId, markedBy: actor })
      .onConflictDoNothing()
      .returning();
    if (inserted.length > 0) {
      await recordChange(tx, {
        actor,
        action: 'markNotDuplicate',
        subjects: [subjectId(kind, aId), subjectId(kind, bId)],
        before: null,
        after: { notDuplicate: [subjectId(kind, lowId), subjectId(kind, highId)] },
      });
    }
    return { created: inserted.length > 0 };
  });
}
