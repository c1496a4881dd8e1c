import { sql } from 'drizzle-orm';
import type { ParsedAddress } from '../address/types.ts';
import { type Database, rowsOf } from '../db/client.ts';
import { affiliationOrganizations, affiliations, organizationAliases, organizations } from '../db/schema.ts';

/*
 * Affiliation strings → organizations. What a string names depends on the string alone, so each
 * affiliation row is read once (when it is new, or by `bibgraph reindex`), set-based: one statement
 * per step for a whole batch of strings, whatever their number.
 */

/** One affiliation row and its address read into parts. */
export interface AddressRow {
  affiliationId: number;
  address: ParsedAddress;
}

/**
 * The identity an organization is deduplicated on. Merges and unit moves remember the identities
 * they folded away (organization_aliases) under this same form.
 */
export function organizationIdentity(
  key: string,
  countryCode: string | null,
  parentId: number | null,
): string {
  return `${key}\u0001${countryCode ?? ''}\u0001${parentId ?? ''}`;
}

interface OrgInput {
  name: string;
  key: string;
  country_code: string | null;
  country_name: string | null;
  kind: string;
  parent_id: number | null;
}

const json = (v: unknown) => JSON.stringify(v);

/** Ids of affiliation rows, among these, that were never read into parts. */
export async function unreadAffiliations(tx: Database, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = rowsOf<{ id: number }>(
    await tx.execute(
      sql`select id from ${affiliations} where parsed_at is null and id = any(${`{${ids.join(',')}}`}::int[])`,
    ),
  );
  return new Set(rows.map((r) => r.id));
}

/**
 * Finds or creates the organizations (identity → id). Aliases left by curators win over the rows
 * an identity would otherwise find or create.
 */
async function resolveOrganizations(
  tx: Database,
  inputs: Map<string, OrgInput>,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  if (inputs.size === 0) return ids;
  const aliasRows = rowsOf<{ identity: string; organization_id: number }>(
    await tx.execute(sql`select identity, organization_id from ${organizationAliases}
      where identity in (select jsonb_array_elements_text(${json([...inputs.keys()])}::jsonb))`),
  );
  for (const a of aliasRows) ids.set(a.identity, a.organization_id);
  const rest = [...inputs].filter(([identity]) => !ids.has(identity)).map(([, o]) => o);
  if (rest.length === 0) return ids;
  // Sorted so concurrent writers take the unique index's locks in one order.
  rest.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rows = rowsOf<{ id: number; key: string; country_code: string | null; parent_id: number | null }>(
    await tx.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${json(rest)}::jsonb)
          as r(name text, key text, country_code text, country_name text, kind text, parent_id int)
      ),
      inserted as (
        insert into ${organizations} (name, key, country_code, country_name, kind, parent_id)
        select name, key, country_code, country_name, kind, parent_id from input
        on conflict (key, country_code, parent_id) do nothing
        returning id, key, country_code, parent_id
      )
      select id, key, country_code, parent_id from inserted
      union all
      select o.id, o.key, o.country_code, o.parent_id from ${organizations} o join input i
        on o.key = i.key and o.country_code is not distinct from i.country_code
        and o.parent_id is not distinct from i.parent_id`),
  );
  for (const r of rows) ids.set(organizationIdentity(r.key, r.country_code, r.parent_id), r.id);
  return ids;
}

/**
 * Writes the parts of each address (street, city, country …), its organizations and units, and
 * which of them each string names. Rows already read are read again: callers pass only the rows
 * to (re)read. Returns the organizations named, for `refreshOrganizationNames`.
 */
export async function storeAddresses(tx: Database, rows: readonly AddressRow[]): Promise<Set<number>> {
  const touched = new Set<number>();
  if (rows.length === 0) return touched;
  const country = (a: ParsedAddress) => a.country?.code ?? null;
  // An organization or unit as the address names it, in the address's country.
  const inputOf = (
    o: { name: string; key: string; kind: string },
    address: ParsedAddress,
    parentId: number | null,
  ): OrgInput => ({
    name: o.name,
    key: o.key,
    country_code: country(address),
    country_name: address.country?.name ?? null,
    kind: o.kind,
    parent_id: parentId,
  });

  const tops = new Map<string, OrgInput>();
  for (const { address } of rows) {
    for (const o of address.organizations) {
      const identity = organizationIdentity(o.key, country(address), null);
      if (!tops.has(identity)) tops.set(identity, inputOf(o, address, null));
    }
  }
  const topIds = await resolveOrganizations(tx, tops);
  const topOf = (address: ParsedAddress, key: string) =>
    topIds.get(organizationIdentity(key, country(address), null)) as number;

  const units = new Map<string, OrgInput>();
  for (const { address } of rows) {
    for (const o of address.organizations) {
      const parentId = topOf(address, o.key);
      for (const u of o.units) {
        const identity = organizationIdentity(u.key, country(address), parentId);
        if (!units.has(identity)) units.set(identity, inputOf(u, address, parentId));
      }
    }
  }
  const unitIds = await resolveOrganizations(tx, units);

  const links: Array<{
    affiliation_id: number;
    organization_id: number;
    position: number;
    depth: number;
    spelling: string;
  }> = [];
  for (const { affiliationId, address } of rows) {
    const seen = new Set<number>();
    address.organizations.forEach((o, position) => {
      const parentId = topOf(address, o.key);
      const named: Array<[number, string]> = [
        [parentId, o.name],
        ...o.units.map(
          (u) =>
            [unitIds.get(organizationIdentity(u.key, country(address), parentId)) as number, u.name] as [
              number,
              string,
            ],
        ),
      ];
      named.forEach(([organizationId, spelling], depth) => {
        if (seen.has(organizationId)) return;
        seen.add(organizationId);
        touched.add(organizationId);
        links.push({
          affiliation_id: affiliationId,
          organization_id: organizationId,
          position,
          depth,
          spelling,
        });
      });
    });
  }

  const ids = `{${rows.map((r) => r.affiliationId).join(',')}}`;
  const parts = rows.map(({ affiliationId, address: a }) => ({
    id: affiliationId,
    street: a.street,
    city: a.city,
    region: a.region,
    postal_code: a.postalCode,
    country_code: country(a),
    emails_removed: a.emails.length > 0,
    parsed: a.organizations.length > 0,
  }));
  await tx.execute(sql`update ${affiliations} a set street = r.street, city = r.city, region = r.region,
      postal_code = r.postal_code, country_code = r.country_code, emails_removed = r.emails_removed,
      parsed = r.parsed, parsed_at = now()
    from jsonb_to_recordset(${json(parts)}::jsonb) as r(id int, street text, city text, region text,
      postal_code text, country_code text, emails_removed boolean, parsed boolean)
    where a.id = r.id`);
  await tx.execute(sql`delete from ${affiliationOrganizations} where affiliation_id = any(${ids}::int[])`);
  if (links.length > 0) {
    await tx.execute(sql`insert into ${affiliationOrganizations} (affiliation_id, organization_id, position, depth, spelling)
      select affiliation_id, organization_id, position, depth, spelling
      from jsonb_to_recordset(${json(links)}::jsonb)
        as r(affiliation_id int, organization_id int, position int, depth int, spelling text)
      on conflict do nothing`);
  }
  return touched;
}

/**
 * Names each organization by its most frequent spelling (counted over the citations whose
 * addresses use it; ties go to the alphabetically first, so the name is stable).
 */
export async function refreshOrganizationNames(tx: Database, ids: Iterable<number>): Promise<void> {
  const list = [...new Set(ids)];
  if (list.length === 0) return;
  await tx.execute(sql`update ${organizations} o set name = s.spelling, updated_at = now()
    from (
      select distinct on (ao.organization_id) ao.organization_id, ao.spelling
      from ${affiliationOrganizations} ao
      left join citation_affiliations ca on ca.affiliation_id = ao.affiliation_id
      where ao.organization_id = any(${`{${list.join(',')}}`}::int[])
      group by ao.organization_id, ao.spelling
      order by ao.organization_id, count(ca.citation_id) desc, ao.spelling
    ) s
    where o.id = s.organization_id and o.name is distinct from s.spelling`);
}
