import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  type ASTVisitor,
  type DocumentNode,
  type ExecutionResult,
  GraphQLError,
  type GraphQLInputType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isInputType,
  isListType,
  Kind,
  type ObjectFieldNode,
  typeFromAST,
  type ValidationContext,
  validate,
  valueFromAST,
} from 'graphql';
import { createGraphQLError, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import type { Limits } from '../config.ts';
import { formatBytes } from '../ingest/ingest.ts';
import type { Context } from '../schema/context.ts';
import { ALLOWS_NUL, MAX_ITEMS, MAX_LENGTH } from '../schema/extensions.ts';
import {
  guardDatabase,
  RequestAbortedError,
  requestDatabase,
  requestScope,
  runInRequestScope,
} from './cancellation.ts';
import { jsonSyntaxReason } from './errors.ts';

/** Headers a browser cannot send cross-site without a CORS preflight; any one of them will do. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-require-preflight', 'authorization'];

/** Extra room for the `operations` and `map` parts next to an uploaded file. */
export const MULTIPART_OVERHEAD = 64 * 1024;

export function bodyLimitFor(
  contentType: string | null,
  limits: Limits,
  maxUploadBytes: number,
  uploadSetting = 'BIBGRAPH_MAX_INGEST_SIZE',
) {
  const multipart = contentType?.toLowerCase().startsWith('multipart/form-data') ?? false;
  return multipart
    ? {
        bytes: maxUploadBytes + MULTIPART_OVERHEAD,
        name: `upload size limit of ${formatBytes(maxUploadBytes)} (${uploadSetting})`,
      }
    : {
        bytes: limits.maxBodyBytes,
        name: `request body limit of ${formatBytes(limits.maxBodyBytes)} (BIBGRAPH_MAX_BODY_SIZE)`,
      };
}

function tooLarge(what: string): GraphQLError {
  return createGraphQLError(`Request body exceeds the ${what}`, {
    extensions: { code: 'PAYLOAD_TOO_LARGE', http: { status: 413 } },
  });
}

/**
 * Counts the bytes of a body that arrived without Content-Length (chunked) and stops reading at
 * the limit; bodies that declared a length were checked before anything was read.
 */
function bodyLimitPlugin(limits: Limits, maxUploadBytes: number, uploadSetting?: string): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.headers.has('content-length') || !request.body || !requestParser) return;
      const limit = bodyLimitFor(request.headers.get('content-type'), limits, maxUploadBytes, uploadSetting);
      setRequestParser(async (req) => {
        const reader = (req.body as ReadableStream<Uint8Array>).getReader();
        const chunks: Uint8Array[] = [];
        let total = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          total += value.byteLength;
          if (total > limit.bytes) {
            await reader.cancel().catch(() => {});
            throw tooLarge(limit.name);
          }
          chunks.push(value);
        }
        const buffered = new Request(req.url, {
          method: req.method,
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        return requestParser(buffered);
      });
    },
  };
}

/** Rejects `first` / `last` above the page-size limit, literal or through a variable. */
function pageSizeRule(maxPageSize: number, variables: Record<string, unknown>) {
  return (context: ValidationContext): ASTVisitor => ({
    Field(node) {
      for (const arg of node.arguments ?? []) {
        // `nodes(ids:)` is a page too: 20,000 IDs would fetch 20,000 objects past the cost limit.
        if (node.name.value === 'nodes' && arg.name.value === 'ids') {
          const ids =
            arg.value.kind === Kind.LIST
              ? arg.value.values.length
              : arg.value.kind === Kind.VARIABLE
                ? (() => {
                    const v = variables[arg.value.name.value];
                    return Array.isArray(v) ? v.length : undefined;
                  })()
                : undefined;
          if (typeof ids === 'number' && ids > maxPageSize) {
            context.reportError(
              new GraphQLError(
                `ids: ${ids} IDs on field "nodes" exceed the maximum page size of ${maxPageSize} (BIBGRAPH_MAX_PAGE_SIZE)`,
                { nodes: [arg], extensions: { code: 'PAGE_SIZE_LIMIT' } },
              ),
            );
          }
          continue;
        }
        if (arg.name.value !== 'first' && arg.name.value !== 'last') continue;
        let value: unknown;
        if (arg.value.kind === Kind.INT) value = Number(arg.value.value);
        else if (arg.value.kind === Kind.VARIABLE) value = variables[arg.value.name.value];
        if (typeof value === 'number' && value > maxPageSize) {
          context.reportError(
            new GraphQLError(
              `${arg.name.value}: ${value} on field "${node.name.value}" exceeds the maximum page size of ${maxPageSize} (BIBGRAPH_MAX_PAGE_SIZE)`,
              { nodes: [arg], extensions: { code: 'PAGE_SIZE_LIMIT' } },
            ),
          );
        }
      }
    },
  });
}

/** Cost (lists weighted by page size) with the request's variables, refused over the limit. */
function costRule(limits: Limits, variables: Record<string, unknown>, operationName: string | undefined) {
  return createComplexityRule({
    // The cost of a field depends only on its arguments (complexity.ts), never on the caller.
    context: {},
    variableValues: variables,
    operationName,
    validate: (state, report) => {
      if (state.complexity > limits.maxCost) {
        report(
          new GraphQLError(
            `Query cost of ${state.complexity} exceeds the cost limit of ${limits.maxCost} (BIBGRAPH_MAX_COST); ask for smaller pages or fewer nested lists`,
            { extensions: { code: 'COST_LIMIT', cost: state.complexity, maxCost: limits.maxCost } },
          ),
        );
      }
    },
  });
}

/**
 * A limit refuses the request before anything runs, as validation does, so it answers like a
 * validation error: GraphQL over HTTP wants 400 for `application/graphql-response+json` (a response
 * without `data` must not be a 2xx there) and allows the legacy 200 for `application/json`. Yoga
 * reads that from `http.spec`, as it does for its own validation errors, and strips `http` from
 * what the client sees.
 */
function asRequestError(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, http: { spec: true, status: 400 } },
  });
}

/**
 * The document limits of graphql-armor throw their error out of parsing or validation, past Yoga's
 * marking of validation errors, so they would answer 200 whatever the client accepts; they get the
 * same status as every other refused request.
 */
function rejectAsRequestError(_context: unknown, error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).http = { spec: true, status: 400 };
  // graphql-armor words a limit as a syntax error ("Syntax Error: Query depth limit of 12
  // exceeded"); the document is well formed, so the message names the limit alone.
  error.message = error.message.replace(/^Syntax Error: /, '');
}

/** Verdicts kept per parsed document (Yoga's parse cache hands out one object per query text). */
const MAX_VERDICTS_PER_DOCUMENT = 64;
/** Longest variables (as JSON) whose verdict is kept; longer ones are judged every time. */
const MAX_REMEMBERED_VARIABLES = 2048;

/**
 * The limits that read the request's variables — page size, cost, NUL characters and input
 * bounds — judged per request, once the document passed validation. Validation itself looks at the
 * query text alone, so Yoga may cache its result per document; these rules are a single walk of
 * the cached document, and their verdict is remembered per document and variables, so the
 * requests a frontend repeats (same query, same variables) pay for it once.
 */
export function requestLimitsPlugin(limits: Limits): Plugin {
  const verdicts = new WeakMap<DocumentNode, Map<string, readonly GraphQLError[]>>();
  const judge = (
    schema: GraphQLSchema,
    document: DocumentNode,
    rawVariables: unknown,
    operationName: string | undefined,
  ): readonly GraphQLError[] => {
    const variables = (rawVariables ?? {}) as Record<string, unknown>;
    const json = JSON.stringify(variables);
    const key = json.length <= MAX_REMEMBERED_VARIABLES ? `${operationName ?? ''}\u0000${json}` : null;
    let known = verdicts.get(document);
    const cached = key === null ? undefined : known?.get(key);
    if (cached) return cached;
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document, [
        nulRule(variables),
        inputBoundsRule(variables),
        pageSizeRule(limits.maxPageSize, variables),
        costRule(limits, variables, operationName),
      ]);
    } catch {
      // Variables that do not fit their types: execution rejects them with the precise message.
      errors = [];
    }
    errors = errors.map(asRequestError);
    if (key !== null) {
      if (!known) {
        known = new Map();
        verdicts.set(document, known);
      }
      if (known.size >= MAX_VERDICTS_PER_DOCUMENT) known.clear();
      known.set(key, errors);
    }
    return errors;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const errors = judge(args.schema, args.document, args.variableValues, args.operationName ?? undefined);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const errors = judge(args.schema, args.document, args.variableValues, args.operationName ?? undefined);
      if (errors.length > 0) setResultAndStopExecution({ errors: [...errors] });
    },
  };
}

/**
 * Bounds how long a query may take, and stops its work when it runs out of time (see
 * cancellation.ts): no resolver or statement starts after that, and PostgreSQL statements still
 * running are cancelled. Mutations are not cut off: each is one transaction whose
 * outcome the client must learn truthfully, and ingest size is bounded separately.
 */
function timeoutPlugin(ms: number): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName ?? undefined);
      if (operation?.operation !== 'query') return;
      const timedOut = (): ExecutionResult => ({
        errors: [
          createGraphQLError(`Query exceeded the request time limit of ${ms} ms (BIBGRAPH_REQUEST_TIMEOUT)`, {
            extensions: { code: 'TIMEOUT' },
          }),
        ],
      });
      setExecuteFn(async (execArgs) => {
        const context = execArgs.contextValue as Context & Partial<YogaInitialContext>;
        const controller = new AbortController();
        const signal = controller.signal;
        context.signal = signal;
        const started = performance.now();
        const expire = () => controller.abort(new RequestAbortedError());
        // A client that hangs up cancels its query as a timeout does. Forwarded by a listener
        // that is removed when the query ends, not with AbortSignal.any: Node keeps a combined
        // signal that has listeners (requestScope adds one) until it aborts, with everything the
        // request held — ~50 KB per query that ran to its end, never freed.
        const clientGone = context.request?.signal;
        if (clientGone?.aborted) expire();
        clientGone?.addEventListener('abort', expire, { once: true });
        const current = requestScope(signal, { at: started + ms, expire });
        // The request's own session where the database allows one; else AsyncLocalStorage.
        const own = requestDatabase(context.db, current);
        if (own) context.db = own;
        else guardDatabase(context.db);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => {
            expire();
            resolve(timedOut());
          }, ms);
        });
        try {
          const run = () => executeFn({ ...execArgs, signal } as typeof execArgs) as Promise<ExecutionResult>;
          const execution = own ? run() : runInRequestScope(current, run);
          const result = await Promise.race([execution, timeout]);
          // Embedded PGlite runs queries inside the event loop's current turn, so the timer may
          // only get its chance afterwards; the clock decides either way.
          if (performance.now() - started > ms || signal.aborted) {
            expire();
            return timedOut();
          }
          return result;
        } catch (error) {
          if (controller.signal.aborted) return timedOut();
          throw error;
        } finally {
          clearTimeout(timer);
          clientGone?.removeEventListener('abort', expire);
        }
      });
    },
  };
}

function allowsNul(def: { extensions?: Readonly<Record<string, unknown>> } | null | undefined): boolean {
  return def?.extensions?.[ALLOWS_NUL] === true;
}

/** Where a NUL hides in a variable's value, walked by its input type (marked fields are skipped). */
function nulPaths(value: unknown, type: GraphQLInputType, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const t = getNullableType(type);
  if (isListType(t)) {
    const items = Array.isArray(value) ? value : [value];
    for (let i = 0; i < items.length; i++) nulPaths(items[i], t.ofType, `${path}[${i}]`, out);
  } else if (isInputObjectType(t)) {
    if (typeof value !== 'object') return;
    for (const [name, field] of Object.entries(t.getFields())) {
      if (!allowsNul(field))
        nulPaths((value as Record<string, unknown>)[name], field.type, `${path}.${name}`, out);
    }
  } else if (typeof value === 'string' && value.includes('\u0000')) {
    out.push(path);
  }
}

function nulError(where: string): GraphQLError {
  return createGraphQLError(`${where} contains a NUL character (U+0000), which no stored text can hold`, {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/**
 * Refuses NUL characters in string arguments, literal or in variables, before anything runs:
 * PostgreSQL cannot take them, and a search for `a\u0000b` should be a clear error, not an
 * internal one. Fields marked `allowsNul` in the schema (RIS text) are exempt.
 */
function nulRule(variables: Record<string, unknown>) {
  return (ctx: ValidationContext): ASTVisitor => {
    // The definition the value at the current position belongs to: an input field or an argument.
    const position = (parent: unknown) => {
      if (parent && typeof parent === 'object' && 'kind' in parent && parent.kind === Kind.OBJECT_FIELD) {
        const owner = getNamedType(ctx.getParentInputType());
        return isInputObjectType(owner) ? owner.getFields()[(parent as ObjectFieldNode).name.value] : null;
      }
      return parent && typeof parent === 'object' && 'kind' in parent && parent.kind === Kind.ARGUMENT
        ? ctx.getArgument()
        : null;
    };
    // A variable is checked unless every place it is used takes NULs.
    const exempt = new Map<string, boolean>();
    return {
      StringValue(node, _key, parent) {
        const at = position(parent);
        if (node.value.includes('\u0000') && !allowsNul(at)) {
          const kind = (parent as { kind?: string }).kind === Kind.ARGUMENT ? 'Argument' : 'Field';
          ctx.reportError(nulError(at ? `${kind} "${at.name}"` : 'A string argument'));
        }
      },
      Variable(node, _key, parent) {
        const name = node.name.value;
        if (
          parent &&
          typeof parent === 'object' &&
          'kind' in parent &&
          parent.kind === Kind.VARIABLE_DEFINITION
        )
          return;
        exempt.set(name, (exempt.get(name) ?? true) && allowsNul(position(parent)));
      },
      OperationDefinition: {
        leave(operation) {
          for (const definition of operation.variableDefinitions ?? []) {
            const name = definition.variable.name.value;
            const type = typeFromAST(ctx.getSchema(), definition.type);
            if (exempt.get(name) || !type || !isInputType(type)) continue;
            const found: string[] = [];
            nulPaths(variables[name], type, `$${name}`, found);
            if (found.length > 0) ctx.reportError(nulError(`Variable ${found[0]}`));
          }
        },
      },
    };
  };
}

/**
 * Yoga's CSRF rule for everything but GET. A GET runs only queries (Yoga refuses mutations over
 * GET) and authenticates by bearer token, never cookies, so a cross-site GET can read no more than
 * anyone can; exempting it lets plain links, CDNs and `EventSource` use cached queries. Uploads and
 * form posts still need a header a page cannot send cross-site without a CORS preflight.
 */
function csrfPrevention(): Plugin {
  const inner = useCSRFPrevention({ requestHeaders: CSRF_HEADERS });
  return {
    onRequestParse(payload) {
      if (payload.request.method === 'GET') return;
      try {
        return inner.onRequestParse?.(payload);
      } catch {
        throw createGraphQLError(
          `A POST of this content type needs one of these headers: ${CSRF_HEADERS.join(', ')} (CSRF prevention)`,
          { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
        );
      }
    },
  };
}

/** How deep `variables` and `extensions` may nest: deeper than any input of the schema needs. */
const MAX_PARAMS_DEPTH = 32;

/** Whether a parsed JSON value nests deeper than `max`, walked without recursion (it may be hostile). */
function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The request's `variables` and `extensions` as JSON a request can be answered from:
 * - over GET, text that is not JSON is named and placed ("GET parameter variables is not valid
 *   JSON: … at position 1"); Yoga's GET parser let the SyntaxError through (HTTP 500);
 * - nested no deeper than 32 levels: 5,000 nested empty lists (a 10 KB body) made every
 *   JSON.stringify of the variables — the response cache's key, the limits' own — overflow the
 *   stack (HTTP 500).
 */
export function paramsShapePlugin(): Plugin {
  return {
    onRequestParse({ request }) {
      if (request.method !== 'GET') return;
      const search = new URL(request.url).searchParams;
      for (const name of ['variables', 'extensions']) {
        const text = search.get(name);
        if (!text) continue;
        try {
          JSON.parse(text);
        } catch (error) {
          const reason = jsonSyntaxReason((error as Error).message) ?? 'not JSON';
          throw createGraphQLError(`GET parameter ${name} is not valid JSON: ${reason}`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      }
    },
    onParams({ params }) {
      for (const name of ['variables', 'extensions'] as const) {
        if (nestsDeeperThan(params[name], MAX_PARAMS_DEPTH)) {
          throw createGraphQLError(
            `${name} are nested more than ${MAX_PARAMS_DEPTH} levels deep; at most ${MAX_PARAMS_DEPTH} are allowed`,
            { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } },
          );
        }
      }
    },
  };
}

type Extended = { extensions?: Readonly<Record<string, unknown>> | null };

class InputTooLarge extends Error {
  constructor(
    message: string,
    readonly bound: Record<string, number>,
  ) {
    super(message);
  }
}

/**
 * Walks an argument's value by its type and throws at the first string or list over its bound
 * (the `maxLength` / `maxItems` extensions every argument and input field carries).
 */
function checkBounds(value: unknown, type: GraphQLInputType, def: Extended, where: string): void {
  if (value === null || value === undefined) return;
  const t = getNullableType(type);
  if (isListType(t)) {
    const items = Array.isArray(value) ? value : [value];
    const max = def.extensions?.[MAX_ITEMS];
    if (typeof max === 'number' && items.length > max) {
      throw new InputTooLarge(
        `${where} has ${items.length.toLocaleString('en-US')} entries; at most ${max.toLocaleString('en-US')} are allowed`,
        { maxItems: max },
      );
    }
    for (const item of items) checkBounds(item, t.ofType, def, where);
  } else if (isInputObjectType(t)) {
    if (typeof value !== 'object') return;
    for (const [name, field] of Object.entries(t.getFields())) {
      checkBounds((value as Record<string, unknown>)[name], field.type, field, `Field ${t.name}.${name}`);
    }
  } else if (typeof value === 'string') {
    const max = def.extensions?.[MAX_LENGTH];
    if (typeof max === 'number' && value.length > max) {
      throw new InputTooLarge(
        `${where} is ${value.length.toLocaleString('en-US')} characters long; at most ${max.toLocaleString('en-US')} are allowed`,
        { maxLength: max },
      );
    }
  }
}

/**
 * Refuses strings and lists over their bounds, literal or in variables, before anything runs: a
 * long fuzzy search string or a huge filter list costs the database far more than the query cost
 * says, and a megabyte of either used to end as an internal error.
 */
function inputBoundsRule(variables: Record<string, unknown>) {
  return (ctx: ValidationContext): ASTVisitor => ({
    Argument(node) {
      const def = ctx.getArgument();
      if (!def) return;
      // Variables arrive raw here (they are coerced later); an ill-typed value is left to
      // the standard rules and to variable coercion, which name it precisely.
      let value: unknown;
      try {
        value = valueFromAST(node.value, def.type, variables);
      } catch {
        return;
      }
      const field = ctx.getFieldDef();
      const where = `Argument "${def.name}"${field ? ` of field "${field.name}"` : ''}`;
      try {
        checkBounds(value, def.type, def, where);
      } catch (error) {
        if (!(error instanceof InputTooLarge)) throw error;
        const inside = error.message.startsWith('Field ') ? ` (in ${where.toLowerCase()})` : '';
        ctx.reportError(
          new GraphQLError(`${error.message}${inside}`, {
            nodes: [node],
            extensions: { code: 'BAD_USER_INPUT', argument: def.name, ...error.bound },
          }),
        );
      }
    },
  });
}

/** Every document-shape limit plus CSRF prevention, in the order they can reject. */
export function limitPlugins(limits: Limits, maxUploadBytes: number, uploadSetting?: string): Plugin[] {
  const plugins: Plugin[] = [
    csrfPrevention(),
    bodyLimitPlugin(limits, maxUploadBytes, uploadSetting),
    maxTokensPlugin({ n: limits.maxTokens, onReject: [rejectAsRequestError] }) as Plugin,
    maxDepthPlugin({
      n: limits.maxDepth,
      flattenFragments: true,
      onReject: [rejectAsRequestError],
    }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, onReject: [rejectAsRequestError] }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject: [rejectAsRequestError] }) as Plugin,
    timeoutPlugin(limits.requestTimeoutMs),
  ];
  if (limits.hideFieldSuggestions) plugins.push(blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}
