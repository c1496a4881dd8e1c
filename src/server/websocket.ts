import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AuthOptions, clientAddress, identifyCaller, readDenial } from '../auth/caller.ts';
import type { Database } from '../db/client.ts';
import { GRAPHQL_PATH } from './access.ts';
import type { BibgraphServer } from './server.ts';

export interface WebSocketOptions {
  /** Where tokens are looked up. */
  database: Database;
  auth: AuthOptions;
}

/** What graphql-ws hands the hooks: the upgrade request and the connection's parameters. */
type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
};

/**
 * The request the socket's operations run as: the upgrade request's headers (Host, Origin for the
 * loopback rule), with the token from the connection parameters, since browsers cannot set
 * headers on a WebSocket (`connectionParams: { authorization: 'Bearer …' }`).
 */
function requestOf(upgrade: IncomingMessage, params: Record<string, unknown> | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const token = params?.authorization ?? params?.Authorization;
  if (typeof token === 'string') headers.set('authorization', token);
  return new Request(`http://${upgrade.headers.host ?? 'localhost'}${GRAPHQL_PATH}`, {
    method: 'POST',
    headers,
  });
}

/**
 * GraphQL over WebSocket (the graphql-ws protocol) on the same path as HTTP, attached to the
 * http server `main.ts` listens with (the Yoga factory never listens). Queries and mutations keep
 * to HTTP, where the guard, rate limits and CSRF rules live; a socket carries subscriptions only.
 * A token is checked when the socket opens, by the rules of queries: a bad token is closed with
 * 4401, and so is a missing one where reads need a token.
 */
export function attachWebSocket(
  http: Server,
  yoga: BibgraphServer,
  options: WebSocketOptions,
): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: http, path: GRAPHQL_PATH });
  const trustProxy = options.auth.trustProxy ?? false;
  const server = useServer<Record<string, unknown> | undefined, Extra>(
    {
      async onConnect(ctx) {
        const request = requestOf(ctx.extra.request, ctx.connectionParams);
        const caller = await identifyCaller(
          options.database,
          { url: new URL(request.url), headers: request.headers },
          clientAddress({ req: ctx.extra.request }, request.headers, trustProxy),
          options.auth,
        );
        const badToken = ['unknown', 'revoked', 'malformed'].includes(caller.token.status);
        if (badToken || options.auth.readRequiresToken) {
          const denial = readDenial(caller);
          if (denial) {
            // The reason goes in the close frame (at most 123 bytes), so the client can say why.
            ctx.extra.socket.close(CloseCode.Unauthorized, denial.slice(0, 120));
            return false;
          }
        }
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const request = requestOf(ctx.extra.request, ctx.connectionParams);
        const enveloped = yoga.getEnveloped({ request, req: ctx.extra.request, params: payload });
        let document: ReturnType<typeof enveloped.parse>;
        try {
          document = enveloped.parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [
            new GraphQLError(
              'Over WebSocket this server runs subscriptions only; send queries and mutations over HTTP',
              { extensions: { code: 'BAD_REQUEST' } },
            ),
          ];
        }
        const args: ExecutionArgs = {
          schema: enveloped.schema,
          document,
          contextValue: await enveloped.contextFactory(),
          variableValues: payload.variables,
          operationName: payload.operationName,
          rootValue: { subscribe: enveloped.subscribe },
        };
        return args;
      },
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => never }).subscribe(args),
      execute: () => {
        throw new Error('Over WebSocket this server runs subscriptions only');
      },
    },
    wss,
  );
  return {
    close: async () => {
      await server.dispose();
    },
  };
}
