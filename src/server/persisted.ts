import { readFileSync, statSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { documentHash, parseDocumentList } from '../persisted/documents.ts';
import type { SharedStore } from './shared-store.ts';

export interface PersistedOptions {
  store: SharedStore;
  /** The trusted-documents file (`BIBGRAPH_PERSISTED_DOCUMENTS`), or null. */
  documentsFile: string | null;
  /** Callers the request cannot vouch for may run only registered documents. */
  persistedOnly: boolean;
  /** True for a request whose caller may run any document (a valid API token). */
  isTrusted: (request: Request) => boolean;
}

/** Automatic persisted queries are kept this long after their last registration. */
const APQ_TTL_SECONDS = 24 * 3600;
/** Longest document kept for automatic persisted queries (a large real operation is a few KB). */
const APQ_MAX_CHARS = 32 * 1024;

function hashOf(extensions: unknown): string | null {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery
    ?.sha256Hash;
  return typeof hash === 'string' ? hash.toLowerCase() : null;
}

/**
 * The trusted documents, re-read when the file changes so `bibgraph documents add` takes effect
 * without a restart. A file that is missing or broken keeps the last good list and says why once.
 */
function documentList(file: string | null): () => Map<string, string> {
  let loaded = new Map<string, string>();
  let stamp = '';
  let checked = 0;
  return () => {
    if (!file) return loaded;
    const now = Date.now();
    if (now - checked < 1_000) return loaded;
    checked = now;
    try {
      const stat = statSync(file);
      const next = `${stat.mtimeMs}:${stat.size}`;
      if (next !== stamp) {
        loaded = parseDocumentList(readFileSync(file, 'utf8'), file);
        stamp = next;
      }
    } catch (error) {
      const message = `bibgraph: trusted documents in ${file} could not be read: ${(error as Error).message}`;
      if (stamp !== 'error') console.error(message);
      stamp = 'error';
    }
    return loaded;
  };
}

function persistedError(message: string, code: string, status = 400) {
  return () => createGraphQLError(message, { extensions: { code, http: { status } } });
}

/**
 * Persisted operations in both forms clients use:
 * - automatic persisted queries (Apollo's `PersistedQueryLink`, urql's `persistedExchange`): a
 *   request may send only `extensions.persistedQuery.sha256Hash`; an unknown hash answers
 *   `PersistedQueryNotFound`, the client resends hash and text, and the text is kept;
 * - trusted documents: a file of registered operations; with `persistedOnly`, callers without a
 *   token can run nothing else, and their APQ registrations are refused.
 * Yoga's persisted-operations plugin does the lookup; APQ registration is ours, since Yoga's APQ
 * plugin pins a `@graphql-tools/utils` major that conflicts with the one Yoga 5 ships.
 */
export function persistedOperationPlugins(options: PersistedOptions): Plugin[] {
  const documents = documentList(options.documentsFile);
  const restricted = (request: Request) => options.persistedOnly && !options.isTrusted(request);
  // Registrations wait until the request has an answer with data: only a document that parsed,
  // validated and passed every limit is kept — also when its answer came from the response cache,
  // where no execution happens.
  const pending = new WeakMap<Request, { hash: string; query: string }>();
  const registration: Plugin = {
    onParams({ params, request }) {
      const hash = hashOf(params.extensions);
      if (!hash || !params.query || restricted(request)) return;
      if (documentHash(params.query) !== hash) {
        throw createGraphQLError('provided sha does not match query', {
          extensions: { code: 'PERSISTED_QUERY_HASH_MISMATCH', http: { status: 400 } },
        });
      }
      // A registration must not be a way to park megabytes of text in the shared store.
      if (params.query.length <= APQ_MAX_CHARS) pending.set(request, { hash, query: params.query });
    },
    onResultProcess({ request, result }) {
      const registering = pending.get(request);
      if (!registering) return;
      const answered = Array.isArray(result)
        ? false
        : Symbol.asyncIterator in (result as object) || (result as { data?: unknown }).data != null;
      if (!answered) return;
      // Registration must not fail the request it arrives with; a lost one costs a round trip.
      void options.store.set(`apq:${registering.hash}`, registering.query, APQ_TTL_SECONDS).catch(() => {});
    },
  };
  return [
    usePersistedOperations({
      allowArbitraryOperations: (request) => !restricted(request),
      async getPersistedOperation(key, request) {
        const hash = key.toLowerCase();
        const trusted = documents().get(hash);
        if (trusted) return trusted;
        if (restricted(request)) return null;
        return options.store.get(`apq:${hash}`).catch(() => null);
      },
      customErrors: {
        notFound: persistedError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200),
        keyNotFound: persistedError(
          'Send a GraphQL document as "query", or a persisted document\'s hash in extensions.persistedQuery.sha256Hash',
          'BAD_REQUEST',
        ),
        persistedQueryOnly: persistedError(
          "This server runs only registered operations for callers without an API token (BIBGRAPH_PERSISTED_ONLY): send a registered document's hash in extensions.persistedQuery.sha256Hash",
          'PERSISTED_QUERY_ONLY',
          403,
        ),
      },
    }) as Plugin,
    registration,
  ];
}
