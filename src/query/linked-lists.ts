import { type Column, getColumns, type SQL, sql } from 'drizzle-orm';
import { type AnyPgColumn, alias, type PgTable } from 'drizzle-orm/pg-core';
import {
  affiliations,
  authors,
  citationAffiliations,
  citationKeywords,
  contributions,
  keywords,
} from '../db/schema.ts';
import { parseJsonArray } from './navigation.ts';

/*
 * A citation's authors, affiliations and keywords as one JSON array each, built in the statement
 * that loads the citations. Drizzle's relational query loads the link rows with their keys and
 * joins each link's target through a lateral `LIMIT 1` subquery made JSON by `row_to_json`; Pothos
 * then maps every link row to its target. Here each link's target is one primary-key lookup made
 * JSON with the columns asked for, and the rows come out as the list: on the canonical page of 50
 * citations that took the server's CPU per request from 8.0–8.4 to 6.0–6.5 ms (bench/README.md,
 * round 5). The lookup is a scalar subquery rather than a join, which the planner may turn into a
 * hash of the links against a scan of the whole target table for every citation (600 keywords at
 * 100k citations: PostgreSQL's CPU per page 9.5 ms against 6.2).
 */

export interface LinkedList {
  /** The key the list takes on the citation row, beside drizzle's columns and relations. */
  key: string;
  /** The link table, its column naming the citation, the target and the source order. */
  link: PgTable;
  citationId: Column;
  targetId: Column;
  position: Column;
  /** Only links matching this (contributions: the authors, not the editors). */
  where?: (link: Record<string, Column>) => SQL;
  /** The target table and its primary key. */
  target: PgTable;
  targetKey: Column;
}

export const CITATION_AUTHORS: LinkedList = {
  key: 'authorList',
  link: contributions,
  citationId: contributions.citationId,
  targetId: contributions.authorId,
  position: contributions.position,
  where: (l) => sql`${l.role} = 'author'`,
  target: authors,
  targetKey: authors.id,
};

export const CITATION_AFFILIATIONS: LinkedList = {
  key: 'affiliationList',
  link: citationAffiliations,
  citationId: citationAffiliations.citationId,
  targetId: citationAffiliations.affiliationId,
  position: citationAffiliations.position,
  target: affiliations,
  targetKey: affiliations.id,
};

export const CITATION_KEYWORDS: LinkedList = {
  key: 'keywordList',
  link: citationKeywords,
  citationId: citationKeywords.citationId,
  targetId: citationKeywords.keywordId,
  position: citationKeywords.position,
  target: keywords,
  targetKey: keywords.id,
};

// Aliases no relation of drizzle's takes, so an outer table of the same name is never shadowed.
const LINK = 'linked_list_link';
const TARGET = 'linked_list_target';

/**
 * Column types whose values come back from JSON as the driver returns them from a column: numbers
 * of 32 bits, text, booleans. A timestamp would come back as a string and a bigint as a number.
 */
const JSON_SAFE = new Set(['number int32', 'string', 'boolean']);

/** True when every column (drizzle keys) of the list's target makes the trip through JSON unchanged. */
function jsonSafe(list: LinkedList, columnKeys: readonly string[]): boolean {
  const columns = getColumns(list.target) as Record<string, Column>;
  return columnKeys.every((key) => {
    const column = columns[key];
    return column !== undefined && JSON_SAFE.has(column.dataType);
  });
}

function keyOf(table: PgTable, column: Column): string {
  const entry = Object.entries(getColumns(table) as Record<string, Column>).find(([, c]) => c === column);
  if (!entry) throw new Error(`column ${column.name} is not in its table`);
  return entry[0];
}

/** A list's tables under their aliases and its columns on them: the same for every statement. */
interface AliasedList {
  link: Record<string, Column>;
  target: Record<string, Column>;
  citationId: Column;
  targetId: Column;
  position: Column;
  targetKey: Column;
}

const aliasedLists = new Map<LinkedList, AliasedList>();

function aliased(list: LinkedList): AliasedList {
  let found = aliasedLists.get(list);
  if (!found) {
    const link = alias(list.link, LINK) as unknown as Record<string, Column>;
    const target = alias(list.target, TARGET) as unknown as Record<string, Column>;
    const onLink = (column: Column) => link[keyOf(list.link, column)] as Column;
    found = {
      link,
      target,
      citationId: onLink(list.citationId),
      targetId: onLink(list.targetId),
      position: onLink(list.position),
      targetKey: target[keyOf(list.target, list.targetKey)] as Column,
    };
    aliasedLists.set(list, found);
  }
  return found;
}

/**
 * The list's targets with the given columns (drizzle keys, see `jsonSafe`) as a JSON array of
 * objects keyed like drizzle's rows, in source order, for the citation `citationId`.
 */
export function linkedListSql(list: LinkedList, columnKeys: readonly string[], citationId: AnyPgColumn): SQL {
  const a = aliased(list);
  const pairs = columnKeys.map((key) => sql`${sql.raw(`'${key.replaceAll("'", "''")}'`)}, ${a.target[key]}`);
  return overLinks(
    list,
    citationId,
    (item) =>
      sql`coalesce(json_agg(${item(sql`json_build_object(${sql.join(pairs, sql`, `)})`)} order by ${a.position}), '[]'::json)`,
  );
}

/**
 * The one value `aggregate` makes of the list's links for the citation `citationId`; `item(v)`
 * is `v` computed over a link's target (one primary-key lookup, see the top of this file).
 */
function overLinks(
  list: LinkedList,
  citationId: AnyPgColumn,
  aggregate: (item: (value: SQL) => SQL) => SQL,
): SQL {
  const a = aliased(list);
  const item = (value: SQL) =>
    sql`(select ${value} from ${list.target} ${sql.identifier(TARGET)} where ${a.targetKey} = ${a.targetId})`;
  return sql`(select ${aggregate(item)}
    from ${list.link} ${sql.identifier(LINK)}
    where ${a.citationId} = ${citationId}${list.where ? sql` and ${list.where(a.link)}` : sql``})`;
}

/** Every list a citation carries this way, to find one by its key. */
export const LINKED_LISTS: readonly LinkedList[] = [
  CITATION_AUTHORS,
  CITATION_AFFILIATIONS,
  CITATION_KEYWORDS,
];

/**
 * One member of the objects of a list written as text (`linkedListTextSql`): the member's name
 * (a GraphQL response key: letters, digits and underscores) and its value — a constant string,
 * the target's global ID (base64 of `Type:id`, as the relay plugin encodes it), or one column of
 * the target (a drizzle key) as it stands.
 */
export type TextMember =
  | { name: string; constant: string }
  | { name: string; globalIdOf: string }
  | { name: string; column: string };

/** Whether a column (drizzle key) of the list's target can be written as text by `linkedListTextSql`. */
export function textColumn(list: LinkedList, key: string): boolean {
  return jsonSafe(list, [key]);
}

const RESPONSE_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/**
 * The list's targets for the citation `citationId`, in source order, as the text of a JSON array of
 * objects with the given members in that order, written as `JSON.stringify` writes them (no
 * spaces, strings escaped alike), so the text can go into an answer as it is: what the answer
 * would hold had the server built and written the objects itself. `to_json` escapes strings as
 * `JSON.stringify` does (`\"`, `\\`, `\n`-style escapes and `\u00XX` for other control
 * characters); numbers and booleans are written by PostgreSQL's own text output.
 */
export function linkedListTextSql(
  list: LinkedList,
  members: readonly TextMember[],
  citationId: AnyPgColumn,
): SQL {
  const a = aliased(list);
  const columns = getColumns(list.target) as Record<string, Column>;
  const literal = (text: string) => sql.raw(`'${text.replaceAll("'", "''")}'`);
  const parts: SQL[] = [];
  members.forEach((member, i) => {
    if (!RESPONSE_NAME.test(member.name)) throw new Error(`not a response name: ${member.name}`);
    const name = `${i === 0 ? '{' : ','}"${member.name}":`;
    if ('constant' in member) {
      parts.push(literal(`${name}${JSON.stringify(member.constant)}`));
    } else if ('globalIdOf' in member) {
      if (!RESPONSE_NAME.test(member.globalIdOf)) throw new Error(`not a type name: ${member.globalIdOf}`);
      // The ID is base64 (no character JSON escapes), short enough that encode() breaks no line.
      parts.push(
        literal(`${name}"`),
        sql`encode(convert_to(${literal(`${member.globalIdOf}:`)} || ${a.targetKey}::text, 'UTF8'), 'base64')`,
        literal('"'),
      );
    } else {
      const column = columns[member.column];
      if (!column || !jsonSafe(list, [member.column])) throw new Error(`not a text column: ${member.column}`);
      const target = a.target[member.column] as Column;
      parts.push(
        literal(name),
        column.dataType === 'string'
          ? sql`coalesce(to_json(${target})::text, 'null')`
          : sql`coalesce(${target}::text, 'null')`,
      );
    }
  });
  parts.push(literal(members.length === 0 ? '{}' : '}'));
  return overLinks(
    list,
    citationId,
    (item) =>
      sql`coalesce('[' || string_agg(${item(sql.join(parts, sql` || `))}, ',' order by ${a.position}) || ']', '[]')`,
  );
}

/** A drizzle relational query's selection of one table, as Pothos' drizzle plugin hands it over. */
interface Selection {
  columns?: Record<string, boolean>;
  with?: Record<string, unknown>;
  extras?: Record<string, unknown>;
}

/**
 * The selection that loads the list as one JSON column (`extras`) when what is asked of its rows
 * is columns only; null when it asks for relations or computed fields, or for a column JSON would
 * change, which drizzle's relations then load.
 */
export function linkedListSelection(
  list: LinkedList,
  nested: Selection,
): { extras: Record<string, (citation: { id: AnyPgColumn }) => SQL> } | null {
  if (Object.keys(nested.with ?? {}).length > 0 || Object.keys(nested.extras ?? {}).length > 0) return null;
  const columns = Object.entries(nested.columns ?? {})
    .filter(([, selected]) => selected)
    .map(([key]) => key);
  if (!jsonSafe(list, columns)) return null;
  // Drizzle calls it with the citations' table as the query aliases it.
  return { extras: { [list.key]: (citation) => linkedListSql(list, columns, citation.id) } };
}

/**
 * The selection for a list field: the list as JSON where `linkedListSelection` allows it, else
 * `related`, drizzle's relations (whose type the field's resolver reads; `linkedRows` takes either).
 */
export function linkedListOr<R>(list: LinkedList, nested: Selection, related: R): R {
  return (linkedListSelection(list, nested) ?? related) as R;
}

/**
 * The rows of a list: those `linkedListSelection` loaded as JSON, or else `related()`, the rows
 * drizzle's relations loaded (which have the same keys).
 */
export function linkedRows<T>(citation: object, list: LinkedList, related: () => T[]): T[] {
  const value = (citation as Record<string, unknown>)[list.key];
  return value === undefined ? related() : parseJsonArray<T>(value);
}
