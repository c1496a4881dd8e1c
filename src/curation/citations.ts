import { and, eq, inArray, ne, or, sql } from 'drizzle-orm';
import { recordChange, subjectId } from '../audit/log.ts';
import { type CitationPatch, EDITABLE_CITATION_FIELDS, maxLengthOf } from '../citation/fields.ts';
import { citationFingerprint } from '../citation/keys.ts';
import { type ChangedKind, noteChanges } from '../db/changes.ts';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliations,
  authorAffiliations,
  authors,
  type Citation,
  citationAffiliations,
  citationAliases,
  citationKeywords,
  citations,
  contributions,
  keywords,
  mergedIds,
  notDuplicates,
} from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { recomputeAuthorLinks } from '../ingest/organization-links.ts';
import { refreshSearchDocuments } from '../query/search.ts';
import { hasLoneSurrogate, normalizeDoi } from '../ris/normalize.ts';
import { isKnownRisType } from '../ris/types-map.ts';

/** Text fields a curator may set, with the longest text each may hold. */
const TEXT_FIELDS = EDITABLE_CITATION_FIELDS.flatMap((f) =>
  f.kind === 'text' || f.kind === 'longText' ? [{ name: f.name, max: maxLengthOf(f.kind) }] : [],
);

/** Input fields whose clearing a re-ingest must respect (the type cannot be cleared). */
const CLEARABLE_FIELDS: ReadonlySet<string> = new Set(
  EDITABLE_CITATION_FIELDS.filter((f) => f.kind !== 'type').map((f) => f.name),
);

function validatePatch(patch: CitationPatch): Partial<Citation> {
  const out: Partial<Citation> = {};
  for (const [key, v] of Object.entries(patch)) {
    // Half a surrogate pair cannot be written as UTF-8; PostgreSQL would refuse the whole update.
    if (typeof v === 'string' && hasLoneSurrogate(v)) {
      throw new ValidationError(
        `${key} holds an unpaired UTF-16 surrogate (half a character), which no stored text can hold`,
        `input.${key}`,
      );
    }
  }
  for (const { name: key, max } of TEXT_FIELDS) {
    const v = patch[key];
    if (v === undefined) continue;
    const trimmed = v?.trim() ?? '';
    if (trimmed.length > max)
      throw new ValidationError(`${key} is longer than ${max} characters`, `input.${key}`);
    out[key] = trimmed === '' ? null : trimmed;
  }
  if (patch.risType !== undefined) {
    const code = patch.risType?.trim().toUpperCase() ?? '';
    if (!isKnownRisType(code)) {
      throw new ValidationError(
        `"${patch.risType ?? ''}" is not a RIS reference type code such as JOUR or BOOK`,
        'input.risType',
      );
    }
    out.risType = code;
  }
  if (patch.doi !== undefined) {
    if (patch.doi === null || patch.doi.trim() === '') out.doi = null;
    else {
      const doi = normalizeDoi(patch.doi);
      if (!doi)
        throw new ValidationError(`"${patch.doi}" is not a DOI (expected 10.<prefix>/<suffix>)`, 'input.doi');
      out.doi = doi;
    }
  }
  if (patch.year !== undefined) {
    if (patch.year !== null && (patch.year < 1 || patch.year > 9999)) {
      throw new ValidationError(`year ${patch.year} is outside 1-9999`, 'input.year');
    }
    out.year = patch.year;
  }
  if (patch.date !== undefined) {
    if (patch.date === null || patch.date.trim() === '') {
      out.date = null;
      out.datePrecision = null;
    } else {
      const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(patch.date.trim());
      const month = m?.[2] ? Number(m[2]) : null;
      const day = m?.[3] ? Number(m[3]) : null;
      // A day must exist in its month (2017-02-30 does not); Date.UTC rolls over when it does not.
      const valid =
        m &&
        (month === null || (month >= 1 && month <= 12)) &&
        (day === null ||
          (month !== null &&
            day >= 1 &&
            new Date(Date.UTC(Number(m[1]), month - 1, day)).getUTCDate() === day));
      if (!valid)
        throw new ValidationError(
          `"${patch.date}" is not a date of the form 2017, 2017-05 or 2017-05-01`,
          'input.date',
        );
      out.date = patch.date.trim();
      out.datePrecision = day !== null ? 'day' : month !== null ? 'month' : 'year';
      const year = Number(m[1]);
      if (out.year !== undefined && out.year !== null && out.year !== year) {
        throw new ValidationError(`year ${out.year} contradicts date ${out.date}`, 'input.year');
      }
      out.year = year;
    }
  }
  return out;
}

/**
 * A year set without a date must not leave a stored date of another year behind: exports (RIS
 * `DA`, CSL `issued`) and formatted citations read the date. A date of the year alone follows the
 * year; a month or a day of the old year cannot be guessed, so the year is refused.
 */
function dateFollowingYear(values: Partial<Citation>, current: Citation): Partial<Citation> {
  if (values.year === undefined || values.date !== undefined || current.date === null) return {};
  if (values.year !== null && current.date.startsWith(String(values.year).padStart(4, '0'))) return {};
  if (!/^\d{4}$/.test(current.date)) {
    throw new ValidationError(
      `year ${values.year} contradicts the stored date ${current.date}: set date as well (or to null)`,
      'input.year',
    );
  }
  return values.year === null
    ? { date: null, datePrecision: null }
    : { date: String(values.year).padStart(4, '0'), datePrecision: 'year' };
}

/** The stored citation's fingerprint recomputed from its (possibly new) title and year. */
async function fingerprintOf(tx: Database, id: number, title: string | null, year: number | null) {
  const rows = rowsOf<{ role: string; family: string | null; literal: string | null }>(
    await tx.execute(sql`select ${contributions.role} as role, ${authors.family} as family, ${authors.literal} as literal
      from ${contributions} join ${authors} on ${authors.id} = ${contributions.authorId}
      where ${contributions.citationId} = ${id}
      order by (${contributions.role} <> 'author'), ${contributions.position} limit 1`),
  );
  const first = rows[0];
  return citationFingerprint({
    title,
    year,
    contributors: first
      ? [
          {
            role: first.role as 'author',
            name: { family: first.family, given: null, suffix: null, literal: first.literal },
          },
        ]
      : [],
  });
}

export interface UpdateCitationResult {
  citationId: number;
  /** Names of the fields whose value changed. */
  changed: string[];
}

export async function updateCitation(
  db: Database,
  actor: string,
  id: number,
  patch: CitationPatch,
): Promise<UpdateCitationResult> {
  const values = validatePatch(patch);
  return writeTransaction(db, 'updateCitation', async (tx) => {
    const [current] = await tx.select().from(citations).where(eq(citations.id, id)).for('update');
    if (!current) throw new NotFoundError(`No citation with ID Citation:${id}`);
    Object.assign(values, dateFollowingYear(values, current));
    const changed = (Object.keys(values) as Array<keyof Citation>).filter(
      (k) => JSON.stringify(values[k] ?? null) !== JSON.stringify(current[k] ?? null),
    );
    if (changed.length === 0) return { citationId: id, changed: [] };
    const next = { ...current, ...values };
    // What a curator emptied stays empty through re-ingests; a value set again lifts the mark.
    const cleared = new Set(current.clearedFields);
    for (const k of changed) {
      if (!CLEARABLE_FIELDS.has(k)) continue;
      if (values[k] === null) cleared.add(k);
      else cleared.delete(k);
    }
    const clearedFields = [...cleared].sort();
    // A DOI the curator sets settles any conflict the citation was kept apart for.
    const conflictingDoi = values.doi ? null : current.conflictingDoi;
    if (values.doi && values.doi !== current.doi) {
      const [other] = await tx
        .select({ id: citations.id })
        .from(citations)
        .where(and(eq(citations.doi, values.doi), ne(citations.id, id)));
      if (other) {
        throw new ConflictError(
          `DOI ${values.doi} already belongs to citation Citation:${other.id}`,
          subjectId('Citation', other.id),
        );
      }
    }
    const fingerprint = await fingerprintOf(tx, id, next.title, next.year);
    if (fingerprint && next.doi === null) {
      // Without a DOI the fingerprint is the citation's identity, and it must stay unique.
      const [other] = await tx
        .select({ id: citations.id })
        .from(citations)
        .where(
          and(eq(citations.fingerprint, fingerprint), sql`${citations.doi} is null`, ne(citations.id, id)),
        );
      if (other) {
        throw new ConflictError(
          `Citation:${other.id} has no DOI and the same title, year and first author; merge or tell them apart first`,
          subjectId('Citation', other.id),
        );
      }
    }
    await tx
      .update(citations)
      .set({ ...values, fingerprint, clearedFields, conflictingDoi, updatedAt: new Date() })
      .where(eq(citations.id, id));
    // The identities the citation had before the correction, so the original file still finds it.
    const former = [
      ...(current.doi && changed.includes('doi') ? [{ kind: 'doi' as const, key: current.doi }] : []),
      ...(current.fingerprint && fingerprint !== current.fingerprint
        ? [{ kind: 'fingerprint' as const, key: current.fingerprint }]
        : []),
    ];
    if (former.length > 0) {
      await tx
        .insert(citationAliases)
        .values(former.map((f) => ({ ...f, citationId: id })))
        .onConflictDoUpdate({
          target: [citationAliases.kind, citationAliases.key],
          set: { citationId: id, createdAt: new Date() },
        });
    }
    await refreshSearchDocuments(tx, [id]);
    const pick = (row: Partial<Citation>) => Object.fromEntries(changed.map((k) => [k, row[k] ?? null]));
    noteChanges(tx, [{ kind: 'Citation', id, action: 'updated' }]);
    await recordChange(tx, {
      actor,
      action: 'updateCitation',
      subjects: [subjectId('Citation', id)],
      before: pick(current),
      after: pick(next),
    });
    return { citationId: id, changed };
  });
}

export interface DeleteCitationResult {
  citationId: number;
  removedAuthorIds: number[];
  removedAffiliationIds: number[];
  removedKeywordIds: number[];
}

/** Deletes a citation and the authors, affiliations and keywords nothing else refers to any more. */
export async function deleteCitation(db: Database, actor: string, id: number): Promise<DeleteCitationResult> {
  return writeTransaction(db, 'deleteCitation', async (tx) => {
    const [current] = await tx
      .select({
        id: citations.id,
        risType: citations.risType,
        title: citations.title,
        year: citations.year,
        doi: citations.doi,
        containerTitle: citations.containerTitle,
      })
      .from(citations)
      .where(eq(citations.id, id))
      .for('update');
    if (!current) throw new NotFoundError(`No citation with ID Citation:${id}`);
    const [authorRows, affiliationRows, keywordRows] = await Promise.all([
      tx
        .select({ id: authors.id, name: authors.name, role: contributions.role })
        .from(contributions)
        .innerJoin(authors, eq(authors.id, contributions.authorId))
        .where(eq(contributions.citationId, id))
        .orderBy(contributions.role, contributions.position),
      tx
        .select({ id: affiliations.id, name: affiliations.name })
        .from(affiliations)
        .where(
          or(
            inArray(
              affiliations.id,
              tx
                .select({ id: citationAffiliations.affiliationId })
                .from(citationAffiliations)
                .where(eq(citationAffiliations.citationId, id)),
            ),
            inArray(
              affiliations.id,
              tx
                .select({ id: authorAffiliations.affiliationId })
                .from(authorAffiliations)
                .where(eq(authorAffiliations.citationId, id)),
            ),
          ),
        ),
      tx
        .select({ id: keywords.id, term: keywords.term })
        .from(citationKeywords)
        .innerJoin(keywords, eq(keywords.id, citationKeywords.keywordId))
        .where(eq(citationKeywords.citationId, id))
        .orderBy(citationKeywords.position),
    ]);
    await tx.delete(citations).where(eq(citations.id, id));
    const authorIds = [...new Set(authorRows.map((a) => a.id))];
    const affiliationIds = affiliationRows.map((a) => a.id);
    const keywordIds = keywordRows.map((k) => k.id);
    const removedAuthors = authorIds.length
      ? await tx
          .delete(authors)
          .where(
            and(
              inArray(authors.id, authorIds),
              sql`not exists (select 1 from ${contributions} where ${contributions.authorId} = ${authors.id})`,
            ),
          )
          .returning({ id: authors.id })
      : [];
    const removedAffiliations = affiliationIds.length
      ? await tx
          .delete(affiliations)
          .where(
            and(
              inArray(affiliations.id, affiliationIds),
              sql`not exists (select 1 from ${citationAffiliations} where ${citationAffiliations.affiliationId} = ${affiliations.id})`,
              sql`not exists (select 1 from ${authorAffiliations} where ${authorAffiliations.affiliationId} = ${affiliations.id})`,
            ),
          )
          .returning({ id: affiliations.id })
      : [];
    // The remaining authors' organization links counted this citation (and inference saw it).
    const removedAuthorIds = new Set(removedAuthors.map((a) => a.id));
    await recomputeAuthorLinks(
      tx,
      authorIds.filter((a) => !removedAuthorIds.has(a)),
    );
    const removedKeywords = keywordIds.length
      ? await tx
          .delete(keywords)
          .where(
            and(
              inArray(keywords.id, keywordIds),
              sql`not exists (select 1 from ${citationKeywords} where ${citationKeywords.keywordId} = ${keywords.id})`,
            ),
          )
          .returning({ id: keywords.id })
      : [];
    const gone: Array<[string, number[]]> = [
      ['Citation', [id]],
      ['Author', removedAuthors.map((r) => r.id)],
      ['Affiliation', removedAffiliations.map((r) => r.id)],
      ['Keyword', removedKeywords.map((r) => r.id)],
    ];
    for (const [kind, ids] of gone) {
      if (ids.length === 0) continue;
      // Old ids of merged rows must not lead to a row that no longer exists, and a decision about
      // a deleted row has nothing left to protect.
      if (kind !== 'Citation') {
        await tx
          .delete(mergedIds)
          .where(and(eq(mergedIds.kind, kind as 'Author'), inArray(mergedIds.intoId, ids)));
      }
      await tx
        .delete(notDuplicates)
        .where(
          and(
            eq(notDuplicates.kind, kind as 'Author'),
            or(inArray(notDuplicates.lowId, ids), inArray(notDuplicates.highId, ids)),
          ),
        );
    }
    noteChanges(
      tx,
      gone.flatMap(([kind, ids]) =>
        ids.map((i) => ({ kind: kind as ChangedKind, id: i, action: 'deleted' as const })),
      ),
    );
    await recordChange(tx, {
      actor,
      action: 'deleteCitation',
      subjects: gone.flatMap(([kind, ids]) => ids.map((i) => subjectId(kind, i))),
      before: {
        citation: current,
        authors: authorRows.map((a) => ({ id: subjectId('Author', a.id), name: a.name, role: a.role })),
        affiliations: affiliationRows.map((a) => ({ id: subjectId('Affiliation', a.id), name: a.name })),
        keywords: keywordRows.map((k) => ({ id: subjectId('Keyword', k.id), term: k.term })),
      },
      after: null,
    });
    return {
      citationId: id,
      removedAuthorIds: removedAuthors.map((r) => r.id),
      removedAffiliationIds: removedAffiliations.map((r) => r.id),
      removedKeywordIds: removedKeywords.map((r) => r.id),
    };
  });
}
