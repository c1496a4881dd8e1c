import {
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
} from 'graphql';
import { MAX_ITEMS, MAX_LENGTH } from './extensions.ts';

/**
 * Bounds for every string and list an operation can send, so no argument is unbounded: a 2 KB
 * fuzzy search or a 150,000-entry filter list does work out of all proportion to its cost. Fields
 * may set their own `maxLength` / `maxItems` extensions; these defaults cover the rest.
 */
export const INPUT_DEFAULTS = {
  /** Strings read by queries: names, DOIs, titles, style names. */
  queryText: 500,
  /** Strings written by mutations (curation edits: an abstract is long). */
  mutationText: 200_000,
  /** IDs are short base64 strings. */
  id: 200,
  /** Entries of a list argument or list filter. */
  listItems: 100,
} as const;

type Bounded = GraphQLArgument | GraphQLInputField;

function isText(type: GraphQLInputType): 'String' | 'ID' | null {
  const name = getNamedType(type).name;
  return name === 'String' || name === 'ID' ? name : null;
}

function hasList(type: GraphQLInputType): boolean {
  return isListType(getNullableType(type));
}

/** Input object types reachable from `args`, following input fields. */
function collectInputs(args: readonly Bounded[], into: Set<GraphQLInputObjectType>): void {
  for (const arg of args) {
    const named = getNamedType(arg.type);
    if (!isInputObjectType(named) || into.has(named)) continue;
    into.add(named);
    collectInputs(Object.values(named.getFields()), into);
  }
}

function bound(def: Bounded, side: 'query' | 'mutation'): void {
  const extensions: Record<string, unknown> = { ...def.extensions };
  const notes: string[] = [];
  const text = isText(def.type);
  if (text) {
    extensions[MAX_LENGTH] ??=
      text === 'ID'
        ? INPUT_DEFAULTS.id
        : side === 'query'
          ? INPUT_DEFAULTS.queryText
          : INPUT_DEFAULTS.mutationText;
  }
  if (hasList(def.type)) {
    extensions[MAX_ITEMS] ??= INPUT_DEFAULTS.listItems;
    const items = extensions[MAX_ITEMS];
    // A setting's name stands for a bound checked by its own rule (nodes: BIBGRAPH_MAX_PAGE_SIZE).
    notes.push(
      `At most ${typeof items === 'number' ? items.toLocaleString('en-US') : String(items)} entries`,
    );
  }
  const length = extensions[MAX_LENGTH];
  if (text && typeof length === 'number') {
    const chars = `${length.toLocaleString('en-US')} characters`;
    if (notes.length > 0) notes[0] += ` of at most ${chars} each`;
    else notes.push(`At most ${chars}`);
  } else if (text && typeof length === 'string') {
    notes.push(`Size bounded by ${length}`);
  }
  // The schema objects are built once at start-up; setting the bounds here keeps them next to the
  // description that documents them, for every argument including those of plugin-made fields.
  const writable = def as { extensions: Readonly<Record<string, unknown>>; description?: string | null };
  writable.extensions = extensions;
  if (notes.length > 0) {
    const base = def.description?.trim() ?? '';
    const sentence = `${notes.join('')}.`;
    if (!base.includes(sentence)) writable.description = base ? `${base} ${sentence}` : sentence;
  }
}

/**
 * Gives every String/ID and list argument and input field its bound and documents it in the
 * description. Input types reachable from a query get the query bounds even if a mutation uses
 * them too.
 */
export function boundInputs(schema: GraphQLSchema): GraphQLSchema {
  const mutation = schema.getMutationType();
  const queryInputs = new Set<GraphQLInputObjectType>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (type !== mutation) collectInputs(field.args, queryInputs);
        for (const arg of field.args) bound(arg, type === mutation ? 'mutation' : 'query');
      }
    }
  }
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isInputObjectType(type) || type.name.startsWith('__')) continue;
    const side = queryInputs.has(type) ? 'query' : 'mutation';
    for (const field of Object.values(type.getFields())) bound(field, side);
  }
  return schema;
}
