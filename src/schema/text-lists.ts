import { createHash, randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import {
  BREAK,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  GraphQLNonNull,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  GraphQLScalarType,
  type GraphQLSchema,
  getNamedType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { citations } from '../db/schema.ts';
import {
  LINKED_LISTS,
  type LinkedList,
  linkedListTextSql,
  type TextMember,
  textColumn,
} from '../query/linked-lists.ts';
import type { Context } from './context.ts';
import { GLOBAL_ROW_ID, LOADED_COLUMN, ROW_COLUMN, ROW_LIST } from './loaded-columns.ts';
import { encodeRowGlobalID } from './node-ids.ts';

/*
 * A citation's authors, affiliations and keywords written by PostgreSQL as the answer's own text.
 *
 * On the canonical page (50 citations, ~500 authors, affiliations and keywords) those lists were
 * half of the server's CPU: each arrived as JSON text, was parsed into objects, walked by the
 * executor field by field into new objects, and written out as JSON again — and the garbage of it
 * all was most of the page's collection time. When every field asked of a list's items is one the
 * statement can write as it would be answered (`__typename`, a global ID, a column answered
 * unchanged) and the operation runs compiled (src/server/jit.ts), the page's statement writes each
 * list as the text of its part of the answer, and that text goes into the answer as it is.
 *
 * How: the operation is compiled with those list fields answering a leaf (`ListText`) instead of
 * objects, only for as long as it compiles; what the executor hands on is the text wrapped in a
 * `ListText`, which `stringifyResult` writes verbatim and anything else reading the result
 * (`JSON.stringify` in the response cache, graphql-ws for queries over a WebSocket) reads as the
 * parsed list through `toJSON`. A row without the text (a citation loaded by another field) has its list loaded as
 * before and written by `writeList`, the same text the statement would have written.
 */

/** A list's items asked for, as the text's members, or null when one of them cannot be written so. */
type Members = TextMember[] | null;

/** The answer's text of a list, standing in for the list in a result. */
export class ListText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    if (sink) {
      sink.push(this.text);
      return `${MARK}${sink.length - 1}`;
    }
    return JSON.parse(this.text);
  }
}

// While `stringifyResult` writes a result, each ListText leaves a mark where its text goes: a NUL
// (no stored text holds one: PostgreSQL refuses it in text) and a number this process drew.
const MARK = `\u0000${randomBytes(6).toString('hex')}:`;
const MARKED = new RegExp(`"\\\\u0000${MARK.slice(1)}(\\d+)"`, 'g');
let sink: string[] | null = null;

/** A result written as JSON, each ListText as its text. */
export function stringifyResult(result: unknown): string {
  const texts: string[] = [];
  sink = texts;
  let written: string;
  try {
    written = JSON.stringify(result);
  } finally {
    sink = null;
  }
  return texts.length === 0 ? written : written.replace(MARKED, (_, i: string) => texts[Number(i)] as string);
}

const STRING_LIKE = new Set(['String', 'Int', 'Boolean']);

function hasScopes(extensions: Readonly<Record<string, unknown>> | null | undefined): boolean {
  const options = extensions?.pothosOptions as { authScopes?: unknown } | undefined;
  return options?.authScopes !== undefined;
}

/**
 * The members the items of a list field are asked for with these field nodes (merged as the
 * executor merges them: in order, each response name once), or null when one cannot be written
 * by the statement: a fragment, a directive, an argument, or a field other than `__typename`, a
 * global ID or a column answered unchanged (`ROW_COLUMN`, or an exposed column).
 */
function membersOf(nodes: readonly FieldNode[], itemType: GraphQLObjectType, list: LinkedList): Members {
  if (hasScopes(itemType.extensions)) return null;
  const fields = itemType.getFields();
  const members: TextMember[] = [];
  const seen = new Set<string>();
  for (const node of nodes) {
    if (node.arguments?.length || node.directives?.length || !node.selectionSet) return null;
    for (const selection of node.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) return null;
      if (selection.arguments?.length || selection.directives?.length || selection.selectionSet) return null;
      const name = selection.alias?.value ?? selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      if (selection.name.value === '__typename') {
        members.push({ name, constant: itemType.name });
        continue;
      }
      const field = fields[selection.name.value];
      if (!field || hasScopes(field.extensions)) return null;
      const extensions = field.extensions as Record<string, unknown>;
      if (extensions[GLOBAL_ROW_ID] === itemType.name) {
        members.push({ name, globalIdOf: itemType.name });
        continue;
      }
      const column = extensions[ROW_COLUMN] ?? extensions[LOADED_COLUMN];
      if (typeof column !== 'string' || !STRING_LIKE.has(getNamedType(field.type).name)) return null;
      if (!textColumn(list, column)) return null;
      members.push({ name, column });
    }
  }
  return members;
}

/** The list a field loads as JSON on its parent row (`ROW_LIST`), if any. */
function linkedListOf(field: GraphQLField<unknown, unknown>): LinkedList | undefined {
  const key = field.extensions?.[ROW_LIST];
  return typeof key === 'string' ? LINKED_LISTS.find((l) => l.key === key) : undefined;
}

// Per set of field nodes (the executor hands a field the same array at every call of an
// operation): the members, and the row key the text of that selection takes.
const decided = new WeakMap<readonly FieldNode[], { members: Members; key: string }>();

function decide(nodes: readonly FieldNode[], field: GraphQLField<unknown, unknown>, list: LinkedList) {
  let found = decided.get(nodes);
  if (!found) {
    const itemType = getNamedType(field.type);
    const members = isObjectType(itemType) ? membersOf(nodes, itemType, list) : null;
    // The key names what the text holds, so two selections of one field never share it; a digest,
    // since PostgreSQL cuts column names at 63 bytes.
    const digest = createHash('sha1').update(JSON.stringify(members)).digest('base64url').slice(0, 16);
    found = { members, key: `text_${field.name}_${digest}` };
    decided.set(nodes, found);
  }
  return found;
}

/** The list field named by every field node the document holds, with the parent type's name. */
function listFieldNodes(schema: GraphQLSchema, document: DocumentNode) {
  const found = new Map<GraphQLField<unknown, unknown>, FieldNode[]>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const field = typeInfo.getFieldDef();
        if (!field || !linkedListOf(field)) return;
        found.set(field, [...(found.get(field) ?? []), node]);
      },
    }),
  );
  return found;
}

/**
 * The list fields of a document that may be compiled as text: every place it asks for one (in
 * its operations and fragments alike) asks only for members the statement can write.
 */
export function textListFields(
  schema: GraphQLSchema,
  document: DocumentNode,
): GraphQLField<unknown, unknown>[] {
  const fields: GraphQLField<unknown, unknown>[] = [];
  // A directive may leave out a field whose selection the executor still merges with another's
  // (`nodes { authors { name } } nodes @skip(if: true) { authors { id } }` hands `authors` both
  // field nodes): the text would hold what was left out. Such documents answer from objects.
  let directive = false;
  visit(document, {
    Directive() {
      directive = true;
      return BREAK;
    },
  });
  if (directive) return fields;
  for (const [field, nodes] of listFieldNodes(schema, document)) {
    const list = linkedListOf(field);
    if (!list || hasScopes(field.extensions)) continue;
    if (
      nodes.every(
        (node) =>
          !node.directives?.length && membersOf([node], getNamedType(field.type) as GraphQLObjectType, list),
      )
    )
      fields.push(field);
  }
  return fields;
}

const TEXT_LIST = new GraphQLNonNull(
  new GraphQLScalarType({
    name: 'BibgraphListText',
    description: 'A list written as its answer text (never in the schema: only while compiling).',
    serialize: (value) => value,
  }),
);

/**
 * Per request, per operation it runs compiled with list fields as text: their names. Keyed by the
 * operation too: a request's operations may share its context (a batch), and only code compiled
 * for text reads the text.
 */
const textLists = new WeakMap<object, WeakMap<OperationDefinitionNode, ReadonlySet<string>>>();

/** Marks a request as running `operation` compiled with these list fields as text. */
export function answerListsAsText(
  context: object,
  operation: OperationDefinitionNode,
  fieldNames: ReadonlySet<string>,
): void {
  let operations = textLists.get(context);
  if (!operations) {
    operations = new WeakMap();
    textLists.set(context, operations);
  }
  operations.set(operation, fieldNames);
}

/**
 * Runs `compile` (synchronous: nothing else runs meanwhile) with each of `fields` answering its
 * list as text, then puts the fields back as they were. The compiled code keeps what it saw.
 */
export function compileWithTextLists<T>(
  fields: readonly GraphQLField<unknown, unknown>[],
  compile: () => T,
): T {
  const saved = fields.map((field) => ({ field, type: field.type, resolve: field.resolve }));
  try {
    for (const { field, type, resolve } of saved) {
      (field as { type: GraphQLOutputType }).type = TEXT_LIST;
      field.resolve = textResolver(field, type, resolve as GraphQLFieldResolver<unknown, unknown>);
    }
    return compile();
  } finally {
    for (const { field, type, resolve } of saved) {
      (field as { type: GraphQLOutputType }).type = type;
      field.resolve = resolve;
    }
  }
}

function textResolver(
  field: GraphQLField<unknown, unknown>,
  type: GraphQLOutputType,
  resolve: GraphQLFieldResolver<unknown, unknown>,
): GraphQLFieldResolver<unknown, unknown> {
  const list = linkedListOf(field) as LinkedList;
  return (row, args, context, info) => {
    const { members, key } = decide(info.fieldNodes, field, list);
    // Compiled as text only when every occurrence had members (textListFields).
    const asked = members ?? [];
    const text = (row as Record<string, unknown> | null)?.[key];
    if (typeof text === 'string') return new ListText(text);
    // A citation loaded without the text: its list as any other field loads it, written alike
    // when its items carry every column asked (a list asked twice under one citation is loaded
    // with the columns of one of them); else the text is read as the page's statement writes it.
    const loaded = resolve(row, args, context, { ...info, returnType: type } as GraphQLResolveInfo);
    const write = (items: unknown): ListText | Promise<ListText> => {
      const rows = items as Array<Record<string, unknown>>;
      if (carries(rows, asked)) return new ListText(writeList(rows, asked));
      const id = Number((row as { id?: unknown } | null)?.id);
      // Every citation row carries its id (its node ID is made from it).
      if (!Number.isInteger(id))
        throw new Error(`${info.parentType.name}.${info.fieldName}: a row without an id`);
      return loadText(context as Context, list, asked, key, id).then((text) => new ListText(text));
    };
    return loaded instanceof Promise ? loaded.then(write) : write(loaded);
  };
}

/** Whether every item holds every column (and the ID) the members write. */
function carries(items: readonly Record<string, unknown>[], members: readonly TextMember[]): boolean {
  return items.every((item) =>
    members.every((m) => ('constant' in m ? true : 'globalIdOf' in m ? 'id' in item : m.column in item)),
  );
}

/** Per request and text key: the citations whose text is asked this turn, read in one statement. */
const batches = new WeakMap<object, Map<string, { ids: number[]; texts: Promise<Map<number, string>> }>>();

function loadText(
  context: Context,
  list: LinkedList,
  members: readonly TextMember[],
  key: string,
  citationId: number,
): Promise<string> {
  let byKey = batches.get(context);
  if (!byKey) {
    byKey = new Map();
    batches.set(context, byKey);
  }
  let batch = byKey.get(key);
  if (!batch) {
    const ids: number[] = [];
    const pending = byKey;
    // After this turn of the event loop: every row the executor reaches meanwhile joins the batch.
    const texts = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      pending.delete(key);
      // The ids as one text parameter: one statement text per list and members, whatever their number.
      const rows = await context.db
        .select({ id: citations.id, text: linkedListTextSql(list, members, citations.id) })
        .from(citations)
        .where(sql`${citations.id} = any(string_to_array(${ids.join(',')}, ',')::int[])`);
      return new Map(rows.map((r) => [r.id, String(r.text)]));
    });
    batch = { ids, texts };
    byKey.set(key, batch);
  }
  batch.ids.push(citationId);
  return batch.texts.then((texts) => texts.get(citationId) ?? '[]');
}

/** The text `linkedListTextSql` writes for these items and members. */
function writeList(items: readonly Record<string, unknown>[], members: readonly TextMember[]): string {
  return JSON.stringify(
    items.map((item) => {
      // No prototype: a response name may be `__proto__`, which on a plain object sets no key.
      const out: Record<string, unknown> = Object.create(null);
      for (const member of members) {
        if ('constant' in member) out[member.name] = member.constant;
        else if ('globalIdOf' in member)
          out[member.name] = encodeRowGlobalID(member.globalIdOf, item.id as number);
        else out[member.name] = item[member.column] ?? null;
      }
      return out;
    }),
  );
}

/**
 * The statement's text lists for a connection of citations in a request compiled with them: one
 * extra per list field and selection asked under the connection's `nodes` and `edges { node }`,
 * and the keys of the JSON lists (`ROW_LIST`) they replace. Null when the request answers no list
 * as text, or when the selection holds something this walk does not follow (a directive on a
 * fragment): the rows then carry the JSON lists, and each text list field loads its own.
 */
export function textListExtras(
  context: object,
  info: GraphQLResolveInfo,
): { extras: Record<string, (citation: { id: AnyPgColumn }) => SQL>; replaced: string[] } | null {
  const names = textLists.get(context)?.get(info.operation);
  if (!names) return null;
  const citation = info.schema.getType('Citation');
  if (!isObjectType(citation)) return null;
  const walked = walkConnection(info, citation, names);
  if (!walked) return null;
  const extras: Record<string, (citation: { id: AnyPgColumn }) => SQL> = {};
  const replaced = new Set<string>();
  for (const { field, nodes } of walked) {
    const list = linkedListOf(field) as LinkedList;
    const { members, key } = decide(nodes, field, list);
    if (!members) return null;
    extras[key] = (c) => linkedListTextSql(list, members, c.id);
    replaced.add(list.key);
  }
  return { extras, replaced: [...replaced] };
}

type Occurrence = { field: GraphQLField<unknown, unknown>; nodes: FieldNode[] };

const walks = new WeakMap<readonly FieldNode[], Occurrence[] | null>();

/**
 * The text list fields asked of the connection's citations, each with its field nodes grouped as
 * the executor groups them (by response name, per `nodes` and per `edges { node }`), so each
 * group's key is the one its resolver looks for. Null when a fragment could not be followed.
 */
function walkConnection(
  info: GraphQLResolveInfo,
  citation: GraphQLObjectType,
  names: ReadonlySet<string>,
): Occurrence[] | null {
  let walked = walks.get(info.fieldNodes);
  if (walked !== undefined) return walked;
  walked = [];
  const sets: FieldNode[][] = [];
  const top = collect(info.fieldNodes, info, null);
  for (const nodes of top?.values() ?? []) {
    const name = (nodes[0] as FieldNode).name.value;
    if (name === 'nodes') sets.push(nodes);
    if (name !== 'edges') continue;
    const edge = collect(nodes, info, null);
    if (!edge) {
      sets.length = 0;
      walked = null;
      break;
    }
    for (const edgeNodes of edge.values())
      if ((edgeNodes[0] as FieldNode).name.value === 'node') sets.push(edgeNodes);
  }
  if (!top) walked = null;
  const fields = citation.getFields();
  for (const set of sets) {
    const byKey = collect(set, info, citation.name);
    if (!byKey || !walked) {
      walked = null;
      break;
    }
    for (const nodes of byKey.values()) {
      const field = fields[(nodes[0] as FieldNode).name.value];
      if (field && names.has(field.name)) walked.push({ field, nodes });
    }
  }
  walks.set(info.fieldNodes, walked);
  return walked;
}

/**
 * The fields selected under these nodes, grouped by response name, through fragments; null at a
 * fragment the walk does not follow: one with a directive (whose condition it does not evaluate)
 * or, under a citation (`typeName`), one on a type other than Citation or Node.
 */
function collect(
  nodes: readonly FieldNode[],
  info: GraphQLResolveInfo,
  typeName: string | null,
): Map<string, FieldNode[]> | null {
  const out = new Map<string, FieldNode[]>();
  const applies = (on: string | undefined) => !on || !typeName || on === typeName || on === 'Node';
  const walk = (set: SelectionSetNode, seen: Set<string>): boolean => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        out.set(key, [...(out.get(key) ?? []), selection]);
        continue;
      }
      if (selection.directives?.length) return false;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!applies(selection.typeCondition?.name.value) || !walk(selection.selectionSet, seen))
          return false;
        continue;
      }
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = info.fragments[name];
      if (!fragment || !applies(fragment.typeCondition.name.value) || !walk(fragment.selectionSet, seen))
        return false;
    }
    return true;
  };
  for (const node of nodes) if (node.selectionSet && !walk(node.selectionSet, new Set())) return null;
  return out;
}
