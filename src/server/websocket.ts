import type { IncomingMessage, Server } from 'node:http';
import { type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { type WebSocket, WebSocketServer } from 'ws';
import { type AuthOptions, type Caller, clientAddress, identifyCaller, readDenial } from '../auth/caller.ts';
import type { Database } from '../db/client.ts';
import { GRAPHQL_PATH } from './access.ts';
import type { BibgraphServer } from './server.ts';

export interface WebSocketOptions {
  /** Where tokens are looked up. */
  database: Database;
  auth: AuthOptions;
  /**
   * Sockets one IP address may hold open (BIBGRAPH_MAX_SUBSCRIPTIONS: a client needs no more
   * sockets than subscriptions). Past it the upgrade is refused with 429.
   */
  maxConnectionsPerAddress: number;
}

/** What graphql-ws hands the hooks: the upgrade request and the connection's parameters. */
type Extra = {
  socket: WebSocket;
  request: IncomingMessage;
};

function headersOf(upgrade: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  return headers;
}

/**
 * The request the socket's operations run as: the upgrade request's headers (Host, Origin for the
 * loopback rule), with the token from the connection parameters, since browsers cannot set
 * headers on a WebSocket (`connectionParams: { authorization: 'Bearer …' }`).
 */
function requestOf(upgrade: IncomingMessage, params: Record<string, unknown> | undefined): Request {
  const headers = headersOf(upgrade);
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
  const trustProxy = options.auth.trustProxy ?? false;
  // Open sockets per address, counted from the upgrade until the socket closes.
  const open = new Map<string, number>();
  const addressOf = (request: IncomingMessage) =>
    clientAddress({ req: request }, headersOf(request), trustProxy) ?? 'unknown';
  const wss = new WebSocketServer({
    server: http,
    path: GRAPHQL_PATH,
    // A message is a request: the HTTP body limit bounds it (ws's own default is 100 MiB, read
    // whole into memory before anything looks at it).
    maxPayload: yoga.limits.maxBodyBytes,
    verifyClient: ({ req }, done) => {
      const address = addressOf(req);
      const held = open.get(address) ?? 0;
      if (held >= options.maxConnectionsPerAddress) {
        done(
          false,
          429,
          `This address already holds ${held} WebSocket connections, the limit (BIBGRAPH_MAX_SUBSCRIPTIONS)`,
        );
        return;
      }
      done(true);
    },
  });
  wss.on('connection', (socket, request) => {
    const address = addressOf(request);
    open.set(address, (open.get(address) ?? 0) + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
  // Who each socket is (identified once, when it opens): its subscriptions spend that caller's
  // rate limit, as HTTP requests do.
  const callers = new WeakMap<WebSocket, { caller: Caller; address: string | null }>();
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
        callers.set(ctx.extra.socket, { caller, address: caller.address ?? null });
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
        const who = callers.get(ctx.extra.socket);
        const refused = who ? await yoga.rateLimits.consume(who.caller, who.address) : null;
        if (refused) {
          return [
            new GraphQLError(`Rate limit of ${refused.name} exceeded; retry in ${refused.retry} s`, {
              extensions: { code: 'RATE_LIMITED', retryAfter: refused.retry },
            }),
          ];
        }
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
