import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import type { Database, DatabaseHandle } from '../db/client.ts';
import type { Context } from '../schema/context.ts';
import { schema } from '../schema/index.ts';
import { defaultDocument } from './playground.ts';

export interface ServerOptions {
  database: DatabaseHandle;
  maxIngestBytes: number;
  /** Hide internal error messages from clients (always true outside tests). */
  maskErrors?: boolean;
  logging?: boolean;
}

/** What a caller of `yoga.fetch` may pass as server context; tests hand in a transaction as `db`. */
export interface ServerContext {
  db?: Database;
}

export type BibgraphServer = YogaServerInstance<ServerContext, Context>;

/** Builds the HTTP handler. It never listens: `main.ts` and the tests decide where requests come from. */
export function createServer(options: ServerOptions): BibgraphServer {
  const { database } = options;
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    // Our /health reports the database too, so Yoga's own liveness endpoint moves aside.
    healthCheckEndpoint: '/live',
    landingPage: false,
    logging: options.logging ?? false,
    maskedErrors: options.maskErrors ?? true,
    graphiql: {
      title: 'bibgraph — GraphQL bibliography',
      defaultQuery: defaultDocument,
    },
    multipart: true,
    context: ({ db }) => ({
      db: db ?? database.db,
      dbKind: database.kind,
      maxIngestBytes: options.maxIngestBytes,
    }),
    plugins: [
      {
        async onRequest({ url, endResponse, fetchAPI }) {
          if (url.pathname === '/health') {
            const ok = await database.ping();
            endResponse(
              new fetchAPI.Response(
                JSON.stringify(
                  ok
                    ? { status: 'ok', database: database.kind }
                    : { status: 'unavailable', database: database.kind },
                ),
                { status: ok ? 200 : 503, headers: { 'content-type': 'application/json' } },
              ),
            );
          } else if (url.pathname === '/') {
            endResponse(new fetchAPI.Response(null, { status: 302, headers: { location: '/graphql' } }));
          }
        },
      },
    ],
  });
}
