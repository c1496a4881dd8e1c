import { createServer as createHttpServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database } from '../../src/db/client.ts';
import type { BibgraphServer } from '../../src/server/server.ts';

export interface RawResponse {
  status: number;
  /** The status line's reason phrase ("OK", "Bad Request"). */
  statusMessage: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Serves `yoga` over real HTTP on a free port. `db()` is asked per request, so a test can hand
 * in the transaction it rolls back afterwards.
 */
export async function listen(
  yoga: BibgraphServer,
  db?: () => Database | undefined,
): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createHttpServer((req, res) => {
    const tx = db?.();
    void yoga(req, res, tx ? { db: tx } : {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * One request with the path sent byte for byte as given (no URL normalisation on the client side),
 * so `//graphql` or `/%67raphql` reach the server exactly as an attacker would send them.
 * `chunked` sends the body without Content-Length.
 */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Buffer,
  chunked = false,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = { ...headers };
    if (body !== undefined && !chunked) all['content-length'] = String(Buffer.byteLength(body));
    const req = request({ host: '127.0.0.1', port, method, path, headers: all, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          statusMessage: res.statusMessage ?? '',
          headers: res.headers,
          text,
        }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}
