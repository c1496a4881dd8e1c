import { expect } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { isErrorCode } from '../../src/error-codes.ts';
import type { BibgraphServer } from '../../src/server/server.ts';

export interface GraphQLResult<T = Record<string, any>> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/**
 * The client address tests act from unless they say otherwise. A server without tokens accepts
 * mutations only from loopback, so this is what lets ingestion tests write without a token; tests
 * of the access rules pass another address (or a token) explicitly.
 */
export const LOOPBACK = '127.0.0.1';

/** Runs one operation in-process through yoga.fetch, with the given transaction as the database. */
export async function gql<T = Record<string, any>>(
  yoga: BibgraphServer,
  db: Database,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
  clientAddress: string = LOOPBACK,
): Promise<GraphQLResult<T>> {
  const response = await yoga.fetch(
    'http://localhost/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    },
    { db, clientAddress },
  );
  const result = (await response.json()) as GraphQLResult<T>;
  expectCodedErrors(result);
  return result;
}

/**
 * The error contract, checked on every response the suite sees: each error carries an
 * `extensions.code` from the documented set (src/error-codes.ts).
 */
export function expectCodedErrors(result: GraphQLResult<unknown>): void {
  for (const error of result.errors ?? []) {
    const code = error.extensions?.code;
    expect(isErrorCode(code), `error without a documented code: ${JSON.stringify(error)}`).toBe(true);
  }
}
