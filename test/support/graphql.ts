import type { Database } from '../../src/db/client.ts';
import type { BibgraphServer } from '../../src/server/server.ts';

export interface GraphQLResult<T = Record<string, any>> {
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, unknown> }>;
}

/** Runs one operation in-process through yoga.fetch, with the given transaction as the database. */
export async function gql<T = Record<string, any>>(
  yoga: BibgraphServer,
  db: Database,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const response = await yoga.fetch(
    'http://localhost/graphql',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    },
    { db },
  );
  return (await response.json()) as GraphQLResult<T>;
}
