import { and, eq, inArray, sql } from 'drizzle-orm';
import { recordChange, subjectId } from '../audit/log.ts';
import { changesOf, noteChanges } from '../db/changes.ts';
import { type Database, rowsOf } from '../db/client.ts';
import {
  affiliationOrganizations,
  auditLog,
  authors,
  mergedIds,
  type Organization,
  organizationAliases,
  organizationLinkDecisions,
  organizations,
} from '../db/schema.ts';
import { writeTransaction } from '../db/writers.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { recomputeAuthorLinks } from '../ingest/organization-links.ts';
import { organizationIdentity, refreshOrganizationNames } from '../ingest/organizations.ts';

/*
 * Curation of organizations. Each change is one transaction, logged with a `before` that holds
 * everything needed to put it back (`undoOrganizationChange`). Links are derived data, so after
 * any change the links of the authors it concerns are recomputed rather than edited.
 */

export type OrganizationAction =
  | 'mergeOrganizations'
  | 'moveUnit'
  | 'confirmOrganizationLink'
  | 'rejectOrganizationLink';

const ids = (list: readonly number[]) => `{${list.join(',')}}`;

type AffiliationLink = typeof affiliationOrganizations.$inferSelect;
type DecisionRow = typeof organizationLinkDecisions.$inferSelect;

async function load(tx: Database, list: number[]): Promise<Map<number, Organization>> {
  const rows = await tx.select().from(organizations).where(inArray(organizations.id, list));
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const id of list) {
    if (!byId.has(id))
      throw new NotFoundError(`No organization with ID Organization:${id}`, subjectId('Organization', id));
  }
  return byId;
}

/** Authors linked to, or with a decision on, any of these organizations. */
async function concernedAuthors(tx: Database, organizationIds: number[]): Promise<number[]> {
  const rows = rowsOf<{ author_id: number }>(
    await tx.execute(sql`select author_id from author_organizations where organization_id = any(${ids(organizationIds)}::int[])
      union select author_id from organization_link_decisions where organization_id = any(${ids(organizationIds)}::int[])
      union select aa.author_id from author_affiliations aa join affiliation_organizations ao on ao.affiliation_id = aa.affiliation_id
        where ao.organization_id = any(${ids(organizationIds)}::int[])`),
  );
  return rows.map((r) => r.author_id);
}

const identityOf = (o: Organization) => organizationIdentity(o.key, o.countryCode, o.parentId);

interface MergeSnapshot {
  into: Organization;
  from: Organization[];
  /** Units of the merged-away organizations, moved under `into`. */
  units: number[];
  links: AffiliationLink[];
  /** Affiliations that already named `into` before the merge. */
  intoAffiliations: number[];
  decisions: DecisionRow[];
  aliases: Array<{ identity: string; organizationId: number }>;
}

/**
 * Declares organizations (or units of one organization) to be one: addresses naming them name
 * `into`, their units move under it, curator decisions follow, and their identities lead to `into`
 * on every later ingest and reindex.
 */
export async function mergeOrganizations(
  db: Database,
  actor: string,
  intoId: number,
  fromIds: number[],
): Promise<{ intoId: number; mergedIds: number[] }> {
  const from = [...new Set(fromIds)];
  if (from.length === 0)
    throw new ValidationError('from must name at least one organization to merge', 'from');
  if (from.includes(intoId))
    throw new ValidationError(`Organization:${intoId} is both the survivor (into) and in from`, 'from');
  return writeTransaction(db, 'mergeOrganizations', async (tx) => {
    const byId = await load(tx, [intoId, ...from]);
    const into = byId.get(intoId) as Organization;
    const merged = from.map((id) => byId.get(id) as Organization);
    for (const o of merged) {
      if ((o.parentId === null) !== (into.parentId === null) || o.id === into.parentId) {
        throw new ValidationError(
          `Organization:${o.id} and Organization:${intoId} are not both organizations or both units; use moveUnit to move a unit`,
          'from',
        );
      }
    }
    const units = await tx.select().from(organizations).where(inArray(organizations.parentId, from));
    const intoUnits = await tx
      .select({ key: organizations.key, countryCode: organizations.countryCode })
      .from(organizations)
      .where(eq(organizations.parentId, intoId));
    const clash = units.find((u) =>
      intoUnits.some((i) => i.key === u.key && i.countryCode === u.countryCode),
    );
    if (clash) {
      throw new ConflictError(
        `Organization:${clash.id} ("${clash.name}") has a namesake under Organization:${intoId}; merge those units first`,
        subjectId('Organization', clash.id),
      );
    }
    const authorsBefore = await concernedAuthors(tx, [intoId, ...from]);
    const snapshot: MergeSnapshot = {
      into,
      from: merged,
      units: units.map((u) => u.id),
      links: await tx
        .select()
        .from(affiliationOrganizations)
        .where(inArray(affiliationOrganizations.organizationId, from)),
      intoAffiliations: (
        await tx
          .select({ id: affiliationOrganizations.affiliationId })
          .from(affiliationOrganizations)
          .where(eq(affiliationOrganizations.organizationId, intoId))
      ).map((r) => r.id),
      decisions: await tx
        .select()
        .from(organizationLinkDecisions)
        .where(inArray(organizationLinkDecisions.organizationId, from)),
      aliases: (
        await tx.select().from(organizationAliases).where(inArray(organizationAliases.organizationId, from))
      ).map((a) => ({ identity: a.identity, organizationId: a.organizationId })),
    };

    // Units first: their identity includes the parent, so they change identity too.
    if (units.length > 0) {
      await tx
        .insert(organizationAliases)
        .values(
          units.map((u) => ({ identity: identityOf(u), organizationId: u.id, reason: 'move' as const })),
        )
        .onConflictDoUpdate({
          target: organizationAliases.identity,
          set: { organizationId: sql`excluded.organization_id` },
        });
      await tx
        .update(organizations)
        .set({ parentId: intoId, updatedAt: new Date() })
        .where(inArray(organizations.parentId, from));
    }
    await tx.execute(sql`insert into ${affiliationOrganizations} (affiliation_id, organization_id, position, depth, spelling)
      select affiliation_id, ${intoId}::int, position, depth, spelling from ${affiliationOrganizations}
      where organization_id = any(${ids(from)}::int[]) on conflict do nothing`);
    await tx.execute(sql`insert into ${organizationLinkDecisions} (author_id, organization_id, decision, decided_by, decided_at)
      select author_id, ${intoId}::int, decision, decided_by, decided_at from ${organizationLinkDecisions}
      where organization_id = any(${ids(from)}::int[]) on conflict do nothing`);
    await tx
      .update(organizationAliases)
      .set({ organizationId: intoId })
      .where(inArray(organizationAliases.organizationId, from));
    await tx
      .insert(organizationAliases)
      .values(
        merged.map((o) => ({ identity: identityOf(o), organizationId: intoId, reason: 'merge' as const })),
      )
      .onConflictDoUpdate({ target: organizationAliases.identity, set: { organizationId: intoId } });
    // Old IDs keep resolving to the survivor (node, mutation arguments).
    await tx
      .update(mergedIds)
      .set({ intoId })
      .where(and(eq(mergedIds.kind, 'Organization'), inArray(mergedIds.intoId, from)));
    await tx
      .insert(mergedIds)
      .values(
        merged.map((o) => ({ kind: 'Organization' as const, fromId: o.id, intoId, fromKey: identityOf(o) })),
      )
      .onConflictDoUpdate({
        target: [mergedIds.kind, mergedIds.fromKey],
        set: { fromId: sql`excluded.from_id`, intoId: sql`excluded.into_id`, mergedAt: sql`now()` },
      });
    await tx.delete(organizations).where(inArray(organizations.id, from));
    await refreshOrganizationNames(tx, [intoId]);
    await recomputeAuthorLinks(tx, authorsBefore);
    noteChanges(tx, [
      { kind: 'Organization', id: intoId, action: 'updated' },
      ...from.map((id) => ({ kind: 'Organization' as const, id, action: 'merged' as const, intoId })),
    ]);
    await recordChange(tx, {
      actor,
      action: 'mergeOrganizations',
      subjects: [intoId, ...from].map((id) => subjectId('Organization', id)),
      before: snapshot,
      after: {
        into: subjectId('Organization', intoId),
        units: snapshot.units.map((id) => subjectId('Organization', id)),
      },
    });
    return { intoId, mergedIds: from };
  });
}

/** Moves a unit (with its addresses) under another organization; re-read addresses follow it. */
export async function moveUnit(
  db: Database,
  actor: string,
  unitId: number,
  toId: number,
): Promise<{ unitId: number }> {
  return writeTransaction(db, 'moveUnit', async (tx) => {
    const byId = await load(tx, [unitId, toId]);
    const unit = byId.get(unitId) as Organization;
    const to = byId.get(toId) as Organization;
    if (unit.parentId === null)
      throw new ValidationError(`Organization:${unitId} is an organization, not a unit`, 'unit');
    if (to.parentId !== null)
      throw new ValidationError(`Organization:${toId} is a unit; units move to an organization`, 'to');
    if (unit.parentId === toId) return { unitId };
    const [namesake] = await tx
      .select({ id: organizations.id })
      .from(organizations)
      .where(and(eq(organizations.parentId, toId), eq(organizations.key, unit.key)));
    if (namesake) {
      throw new ConflictError(
        `Organization:${toId} already has a unit like it (Organization:${namesake.id}); merge the two instead`,
        subjectId('Organization', namesake.id),
      );
    }
    const authorsBefore = await concernedAuthors(tx, [unitId, unit.parentId, toId]);
    await moveUnitRow(tx, unit, toId);
    await recomputeAuthorLinks(tx, authorsBefore);
    noteChanges(
      tx,
      changesOf('Organization', 'updated', [
        unitId,
        toId,
        ...(unit.parentId === null ? [] : [unit.parentId]),
      ]),
    );
    await recordChange(tx, {
      actor,
      action: 'moveUnit',
      subjects: [unitId, unit.parentId, toId].map((id) => subjectId('Organization', id)),
      before: { unit, parentId: unit.parentId },
      after: { parentId: toId },
    });
    return { unitId };
  });
}

/** Re-parents a unit and remembers its old identity, so a re-read address finds it under its new parent. */
async function moveUnitRow(tx: Database, unit: Organization, toId: number): Promise<void> {
  await tx
    .insert(organizationAliases)
    .values({ identity: identityOf(unit), organizationId: unit.id, reason: 'move' })
    .onConflictDoUpdate({ target: organizationAliases.identity, set: { organizationId: unit.id } });
  // An alias that named its new place now names itself: drop it.
  await tx
    .delete(organizationAliases)
    .where(eq(organizationAliases.identity, organizationIdentity(unit.key, unit.countryCode, toId)));
  await tx
    .update(organizations)
    .set({ parentId: toId, updatedAt: new Date() })
    .where(eq(organizations.id, unit.id));
}

/**
 * Records a curator's decision on an author ↔ organization pair. REJECTED removes the pair's links
 * now and on every later ingest and reindex; CONFIRMED returns them whatever their confidence.
 */
export async function decideOrganizationLink(
  db: Database,
  actor: string,
  authorId: number,
  organizationId: number,
  decision: 'CONFIRMED' | 'REJECTED',
): Promise<void> {
  const action = decision === 'CONFIRMED' ? 'confirmOrganizationLink' : 'rejectOrganizationLink';
  await writeTransaction(db, action, async (tx) => {
    const [author] = await tx.select({ id: authors.id }).from(authors).where(eq(authors.id, authorId));
    if (!author)
      throw new NotFoundError(`No author with ID Author:${authorId}`, subjectId('Author', authorId));
    const org = (await load(tx, [organizationId])).get(organizationId) as Organization;
    if (org.parentId !== null) {
      throw new ValidationError(
        `Organization:${organizationId} is a unit; links are to its organization (Organization:${org.parentId})`,
        'organization',
      );
    }
    const [previous] = await tx
      .select()
      .from(organizationLinkDecisions)
      .where(
        and(
          eq(organizationLinkDecisions.authorId, authorId),
          eq(organizationLinkDecisions.organizationId, organizationId),
        ),
      );
    await tx
      .insert(organizationLinkDecisions)
      .values({ authorId, organizationId, decision, decidedBy: actor })
      .onConflictDoUpdate({
        target: [organizationLinkDecisions.authorId, organizationLinkDecisions.organizationId],
        set: { decision, decidedBy: actor, decidedAt: new Date() },
      });
    await recomputeAuthorLinks(tx, [authorId]);
    noteChanges(tx, [
      { kind: 'Author', id: authorId, action: 'updated' },
      { kind: 'Organization', id: organizationId, action: 'updated' },
    ]);
    await recordChange(tx, {
      actor,
      action,
      subjects: [subjectId('Author', authorId), subjectId('Organization', organizationId)],
      before: { authorId, organizationId, decision: previous ?? null },
      after: { decision },
    });
  });
}

/**
 * Puts back what one organization change (a logged mergeOrganizations, moveUnit,
 * confirmOrganizationLink or rejectOrganizationLink) did, and logs the undo itself.
 */
export async function undoOrganizationChange(
  db: Database,
  actor: string,
  auditId: number,
): Promise<{ action: OrganizationAction; organizationIds: number[]; authorIds: number[] }> {
  return writeTransaction(db, 'undoOrganizationChange', async (tx) => {
    const [entry] = await tx.select().from(auditLog).where(eq(auditLog.id, auditId));
    if (!entry)
      throw new NotFoundError(
        `No audit entry with ID AuditEntry:${auditId}`,
        subjectId('AuditEntry', auditId),
      );
    const undone = await tx.execute(
      sql`select 1 from ${auditLog} where action = 'undoOrganizationChange' and (after->>'undid')::int = ${auditId} limit 1`,
    );
    if (rowsOf(undone).length > 0) throw new ConflictError(`AuditEntry:${auditId} was undone already`, null);
    const action = entry.action as OrganizationAction;
    let organizationIds: number[] = [];
    let authorIds: number[] = [];
    if (action === 'confirmOrganizationLink' || action === 'rejectOrganizationLink') {
      const before = entry.before as {
        authorId: number;
        organizationId: number;
        decision: DecisionRow | null;
      };
      await tx
        .delete(organizationLinkDecisions)
        .where(
          and(
            eq(organizationLinkDecisions.authorId, before.authorId),
            eq(organizationLinkDecisions.organizationId, before.organizationId),
          ),
        );
      if (before.decision) {
        await tx.insert(organizationLinkDecisions).values({
          ...before.decision,
          decidedAt: new Date(before.decision.decidedAt),
        });
      }
      organizationIds = [before.organizationId];
      authorIds = [before.authorId];
    } else if (action === 'moveUnit') {
      const before = entry.before as { unit: Organization; parentId: number };
      const [unit] = await tx.select().from(organizations).where(eq(organizations.id, before.unit.id));
      if (!unit) throw new ConflictError(`The unit Organization:${before.unit.id} no longer exists`, null);
      authorIds = await concernedAuthors(tx, [unit.id, before.parentId, unit.parentId ?? unit.id]);
      await moveUnitRow(tx, unit, before.parentId);
      organizationIds = [unit.id, before.parentId];
    } else if (action === 'mergeOrganizations') {
      const before = entry.before as MergeSnapshot;
      const intoId = before.into.id;
      const fromIds = before.from.map((o) => o.id);
      // The merged-away rows come back under their own IDs, so IDs handed out before stay valid.
      await tx.execute(sql`insert into ${organizations}
          (id, name, key, country_code, country_name, kind, parent_id) overriding system value
        select id, name, key, country_code, country_name, kind, parent_id
        from jsonb_to_recordset(${JSON.stringify(
          before.from.map((o) => ({
            id: o.id,
            name: o.name,
            key: o.key,
            country_code: o.countryCode,
            country_name: o.countryName,
            kind: o.kind,
            parent_id: o.parentId,
          })),
        )}::jsonb) as r(id int, name text, key text, country_code text, country_name text, kind text, parent_id int)`);
      await tx.delete(organizationAliases).where(
        inArray(
          organizationAliases.identity,
          before.from.map((o) => identityOf(o)),
        ),
      );
      await tx
        .delete(mergedIds)
        .where(and(eq(mergedIds.kind, 'Organization'), inArray(mergedIds.fromId, fromIds)));
      for (const a of before.aliases) {
        await tx
          .insert(organizationAliases)
          .values({ identity: a.identity, organizationId: a.organizationId, reason: 'merge' })
          .onConflictDoUpdate({
            target: organizationAliases.identity,
            set: { organizationId: a.organizationId },
          });
      }
      if (before.units.length > 0) {
        const units = await tx.select().from(organizations).where(inArray(organizations.id, before.units));
        // Each unit goes back to the organization it came from (recorded as its alias identity).
        const parents = rowsOf<{ id: number; parent_id: number }>(
          await tx.execute(sql`select u.id, o.id as parent_id from ${organizations} u
            join ${organizationAliases} a on a.organization_id = u.id and a.reason = 'move'
            join ${organizations} o on a.identity = u.key || chr(1) || coalesce(u.country_code, '') || chr(1) || o.id::text
            where u.id = any(${ids(before.units)}::int[]) and o.id = any(${ids(fromIds)}::int[])`),
        );
        for (const p of parents) {
          const unit = units.find((u) => u.id === p.id);
          if (unit) await moveUnitRow(tx, unit, p.parent_id);
        }
      }
      const fromAffiliations = [...new Set(before.links.map((l) => l.affiliationId))].filter(
        (id) => !before.intoAffiliations.includes(id),
      );
      if (fromAffiliations.length > 0) {
        await tx
          .delete(affiliationOrganizations)
          .where(
            and(
              eq(affiliationOrganizations.organizationId, intoId),
              inArray(affiliationOrganizations.affiliationId, fromAffiliations),
            ),
          );
      }
      if (before.links.length > 0) {
        await tx.insert(affiliationOrganizations).values(before.links).onConflictDoNothing();
      }
      for (const d of before.decisions) {
        await tx
          .insert(organizationLinkDecisions)
          .values({ ...d, decidedAt: new Date(d.decidedAt) })
          .onConflictDoNothing();
      }
      organizationIds = [intoId, ...fromIds];
      authorIds = await concernedAuthors(tx, organizationIds);
      await refreshOrganizationNames(tx, organizationIds);
    } else {
      throw new ValidationError(
        `AuditEntry:${auditId} (${entry.action}) is not an organization change`,
        'entry',
      );
    }
    await recomputeAuthorLinks(tx, authorIds);
    noteChanges(tx, [
      ...changesOf('Organization', 'updated', organizationIds),
      ...changesOf('Author', 'updated', authorIds),
    ]);
    await recordChange(tx, {
      actor,
      action: 'undoOrganizationChange',
      subjects: [
        ...organizationIds.map((id) => subjectId('Organization', id)),
        ...authorIds.map((id) => subjectId('Author', id)),
      ],
      before: null,
      after: { undid: auditId, action },
    });
    return { action, organizationIds, authorIds };
  });
}
