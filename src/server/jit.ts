import {
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  getNamedType,
  getOperationAST,
  isLeafType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import { FROM_ROW, type FromRow } from '../schema/loaded-columns.ts';
import {
  answerListsAsText,
  compileWithTextLists,
  stringifyResult,
  textListFields,
} from '../schema/text-lists.ts';

/**
 * Queries run as code compiled once per document and operation (graphql-jit) instead of
 * graphql-tools' interpreter, which walks the document again for every one of a page's ~1,500
 * fields: ~15 % less CPU for the canonical page (bench/cpu.ts, docs/performance.md).
 *
 * Only plain queries take this path. Mutations and subscriptions stay with Yoga's executor (they
 * are few, and their ordering and streams are its contract), and so does any operation carrying
 * `@defer` or `@stream`, which graphql-jit does not deliver incrementally.
 *
 * Not `@envelop/graphql-jit`: it keeps one compilation per document whatever `operationName`
 * asks for, so a document holding several operations (GraphiQL's examples) ran the first one
 * compiled for every name.
 */
/** The run of an operation at which it is compiled: it ran interpreted before. */
const COMPILE_AT_RUN = 2;

export function jitPlugin(schema: GraphQLSchema): Plugin & { compiledOperations: () => number } {
  sharePathLinks(schema);
  // Per document object (Yoga's parse cache hands out the same one for the same text), then per
  // operation name: how often it ran interpreted, then its compiled code — or false for an
  // operation the interpreter keeps.
  const compiled = new WeakMap<DocumentNode, Map<string, number | Compiled | false>>();
  let compiledCount = 0;

  const compiledFor = (document: DocumentNode, operationName: string | null | undefined) => {
    let byName = compiled.get(document);
    if (!byName) {
      byName = new Map();
      compiled.set(document, byName);
    }
    const key = operationName ?? '';
    const entry = byName.get(key) ?? 0;
    if (typeof entry !== 'number') return entry;
    // Compiling costs 2–15 ms; an operation is compiled when it runs again, so a document sent
    // once (or a stream of unique documents) never pays for code it will not reuse.
    if (entry + 1 < COMPILE_AT_RUN) {
      byName.set(key, entry + 1);
      return false;
    }
    let query: Compiled | false = false;
    const operation = getOperationAST(document, operationName);
    if (operation && operation.operation === 'query' && !incremental(document, operation)) {
      const textLists = textListFields(schema, document);
      const result = compileWithTextLists(textLists, () =>
        compileQuery(schema, document, operationName ?? undefined, {
          // Errors are answers here: their stacks are never sent, so they need not be captured.
          disablingCapturingStackErrors: true,
        }),
      );
      if (isCompiledQuery(result)) {
        query = {
          query: result,
          operation,
          textLists: textLists.length ? new Set(textLists.map((f) => f.name)) : null,
        };
        compiledCount++;
      }
    }
    byName.set(key, query);
    return query;
  };

  return {
    compiledOperations: () => compiledCount,
    onExecute({ args, setExecuteFn }) {
      const compiledQuery = compiledFor(args.document, args.operationName);
      if (!compiledQuery) return;
      const { query, operation, textLists } = compiledQuery;
      setExecuteFn((execArgs) => {
        if (textLists) answerListsAsText(execArgs.contextValue as object, operation, textLists);
        const result = query.query(execArgs.rootValue, execArgs.contextValue, execArgs.variableValues);
        const done = (r: ExecutionResult) => {
          const out = withNodes(r, execArgs.document);
          // Yoga writes a result with its `stringify` where it has one: lists answered as text go
          // into the answer as they are (src/schema/text-lists.ts).
          if (textLists) (out as ExecutionResult & { stringify?: unknown }).stringify = stringifyResult;
          return out;
        };
        return isPromise(result) ? result.then(done) : done(result);
      });
    },
  };
}

/** An operation's compiled code, and the list fields it answers as text (null: none). */
interface Compiled {
  query: CompiledQuery;
  operation: OperationDefinitionNode;
  textLists: ReadonlySet<string> | null;
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown }).then === 'function';

/**
 * graphql-jit's errors carry `locations` but not the AST nodes graphql-js derives them from, and
 * every later step that rebuilds an error (domain errors, codes, Yoga's own output) builds it from
 * its nodes: the locations were lost. Errors are rare, so each finds its field nodes by walking the
 * document for the ones at its locations.
 */
function withNodes(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  if (!result.errors?.some((e) => !e.nodes && e.locations)) return result;
  const fieldsAt = new Map<string, FieldNode>();
  visit(document, {
    Field(node) {
      if (node.loc) fieldsAt.set(`${node.loc.startToken.line}:${node.loc.startToken.column}`, node);
    },
  });
  const errors = result.errors.map((error) => {
    if (error.nodes || !error.locations) return error;
    const nodes = error.locations.map((l) => fieldsAt.get(`${l.line}:${l.column}`));
    if (nodes.some((n) => n === undefined)) return error;
    return new GraphQLError(error.message, {
      nodes: nodes as FieldNode[],
      path: error.path,
      originalError: error.originalError,
      extensions: error.extensions,
    });
  });
  return { ...result, errors };
}

/** Whether the operation, or a fragment anywhere in the document, asks for @defer or @stream. */
function incremental(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  let found = false;
  const look = {
    Directive(node: { name: { value: string } }) {
      if (node.name.value === 'defer' || node.name.value === 'stream') found = true;
    },
  };
  visit(operation, look);
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition, look);
  return found;
}

interface PathLink {
  readonly prev: PathLink | undefined;
  readonly key: string | number;
  readonly typename: string | undefined;
}

const prepared = new WeakSet<GraphQLSchema>();

/**
 * graphql-jit writes a resolver's `info.path` as a fresh object literal at every call, the whole
 * chain up to the root; graphql-js hands every field of a row the same parent links. Pothos'
 * selection mapper keys what a parent's plan loaded by those link objects (a WeakMap), so under
 * graphql-jit a nested field never found its parent's plan and loaded its data again (a third
 * statement for the canonical page's authors). Every resolver therefore sees, per request, one
 * shared link object per path — as graphql-js gives it. graphql-js' own paths (mutations,
 * subscriptions) pass through: they carry `typename`, graphql-jit's links only `key` and `prev`.
 */
function sharePathLinks(schema: GraphQLSchema): void {
  if (prepared.has(schema)) return;
  prepared.add(schema);
  const linksByRequest = new WeakMap<object, Map<string | number, LinkNode>>();
  const shared = (context: object, path: PathLink): PathLink => {
    let roots = linksByRequest.get(context);
    if (!roots) {
      roots = new Map();
      linksByRequest.set(context, roots);
    }
    const chain: Array<string | number> = [];
    for (let at: PathLink | undefined = path; at; at = at.prev) chain.push(at.key);
    let level = roots;
    let node: LinkNode | undefined;
    for (let i = chain.length - 1; i >= 0; i--) {
      const key = chain[i] as string | number;
      let next = level.get(key);
      if (!next) {
        next = { link: { prev: node?.link, key, typename: undefined }, next: undefined };
        level.set(key, next);
      }
      node = next;
      if (i > 0) {
        node.next ??= new Map();
        level = node.next;
      }
    }
    return (node as LinkNode).link;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve as GraphQLFieldResolver<unknown, object> | undefined;
      // Only a field that loads (a drizzle selection) or hands rows to fields below it (a
      // relation, a connection) reads its path; a plain leaf — an ID, a name — never does.
      if (!resolve || (isLeafType(getNamedType(field.type)) && !field.extensions?.pothosDrizzleSelect))
        continue;
      const fromRow = field.extensions?.[FROM_ROW] as FromRow | undefined;
      // A row holding what the field reads is answered without the plugin (loaded-columns.ts), so
      // without a path: only a row that goes to the plugin needs the shared one.
      field.resolve = (parent, args, context, info) => {
        if (!fromRow?.(parent, info) && !('typename' in info.path))
          (info as { path: PathLink }).path = shared(context, info.path as PathLink);
        return resolve(parent, args, context, info);
      };
    }
  }
}

interface LinkNode {
  link: PathLink;
  /** Made when a field below asks: most links are leaves. */
  next: Map<string | number, LinkNode> | undefined;
}
