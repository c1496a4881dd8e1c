import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, DatabaseHandle } from '../../src/db/client.ts';
import { createServer, type ServerOptions } from '../../src/server/server.ts';
import { databaseTargets, inRolledBackTransaction, openTestDatabase } from '../support/db.ts';
import { listen, rawRequest } from './http.ts';

const TOKEN = 'env-token-for-upload-tests-0123456789';
const BOUNDARY = 'zqxboundary';
const UPLOAD = 49 * 1024 * 1024;

function multipartHead(): string {
  const operations = JSON.stringify({
    query: 'mutation($f: File!) { ingestRisFile(file: $f) { created } }',
    variables: { f: null },
  });
  return [
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{"0":["variables.f"]}\r\n`,
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="big.ris"\r\nContent-Type: application/x-research-info-systems\r\n\r\n`,
  ].join('');
}

/**
 * Starts a 49 MB upload but sends only its first 64 KB, then waits for the answer. A server that
 * reads the body before deciding never answers (the test then fails on its timeout); one that
 * refuses up front answers with the rest of the body unsent.
 */
function startUpload(
  port: number,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const all: Record<string, string> = {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'x-graphql-yoga-csrf': '1',
      ...headers,
    };
    if (!chunked) all['content-length'] = String(UPLOAD);
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/graphql', headers: all },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, text, headers: res.headers });
          req.destroy();
        });
      },
    );
    req.on('error', (error) => {
      // The server may close the connection while we still send; the answer counts, not the pipe.
      if (
        (error as NodeJS.ErrnoException).code !== 'ECONNRESET' &&
        (error as NodeJS.ErrnoException).code !== 'EPIPE'
      )
        reject(error);
    });
    req.write(multipartHead());
    req.write(Buffer.alloc(64 * 1024, 'x'));
  });
}

describe.each(databaseTargets)('uploads and bodies refused before they are read, on $name', ({ url }) => {
  let handle: DatabaseHandle;
  let tx: Database | undefined;
  const open: Array<() => Promise<void>> = [];
  const serve = async (options: Partial<ServerOptions>) => {
    const yoga = createServer({ database: handle, maxIngestBytes: 60 * 1024 * 1024, ...options });
    const s = await listen(yoga, () => tx);
    open.push(s.close);
    return s.port;
  };
  beforeAll(async () => {
    handle = await openTestDatabase(url);
  });
  afterAll(async () => {
    for (const close of open) await close();
    await handle.close();
  });

  it('an anonymous upload is refused before its body arrives, declared or chunked', async () => {
    await inRolledBackTransaction(handle, async (t) => {
      tx = t;
      const withTokens = await serve({ auth: { apiTokens: [TOKEN] } });
      for (const chunked of [false, true]) {
        const r = await startUpload(withTokens, {}, chunked);
        expect([chunked, r.status]).toEqual([chunked, 401]);
        expect(JSON.parse(r.text).errors[0]).toMatchObject({
          message: expect.stringMatching(/needs an API token/),
          extensions: { code: 'UNAUTHENTICATED' },
        });
        for (const bad of ['Bearer bg_not-a-real-token', 'Token abc']) {
          const wrong = await startUpload(withTokens, { authorization: bad }, chunked);
          expect([bad, chunked, wrong.status]).toEqual([bad, chunked, 401]);
        }
      }
      // No token configured: a remote address may not write, so it may not upload either.
      const open = await serve({ auth: { trustProxy: true } });
      const remote = await startUpload(open, { 'x-forwarded-for': '203.0.113.9' }, false);
      // No token exists that it could send: 403, not 401.
      expect(remote.status).toBe(403);
      expect(JSON.parse(remote.text).errors[0]).toMatchObject({
        message: expect.stringMatching(/only from loopback clients/),
        extensions: { code: 'FORBIDDEN' },
      });
      // A page on another origin gets no loopback privilege, so its upload stops here too.
      const page = await startUpload(open, { origin: 'http://localhost:5173' }, true);
      expect(page.status).toBe(403);
      tx = undefined;
    });
  });

  it('an upload that may be written is read and ingested as before', async () => {
    await inRolledBackTransaction(handle, async (t) => {
      tx = t;
      const port = await serve({ auth: { apiTokens: [TOKEN] } });
      const body = `${multipartHead()}TY  - JOUR\nTI  - Uploaded zqxupload\nER  - \n\r\n--${BOUNDARY}--\r\n`;
      const headers = {
        'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
        'x-graphql-yoga-csrf': '1',
        authorization: `Bearer ${TOKEN}`,
      };
      for (const chunked of [false, true]) {
        const r = await rawRequest(port, 'POST', '/graphql', headers, body, chunked);
        expect([chunked, r.status]).toEqual([chunked, 200]);
        expect(JSON.parse(r.text).errors).toBeUndefined();
      }
      tx = undefined;
    });
  });
});
