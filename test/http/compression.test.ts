import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressionPlugin } from '../../src/server/compression.ts';

/**
 * The plugin on its own, with the fetch API's own Request and Response: a small answer is
 * compressed on the request's thread, a large one in the thread pool; both must come out whole.
 */
async function compressed(bytes: number, encoding: 'gzip' | 'br', streamed = false) {
  const item = JSON.stringify({ id: 'Q2l0YXRpb246MQ==', title: 'Coral reef recovery after bleaching' });
  const items: string[] = [];
  for (let size = 0; size < bytes; size += item.length + 1) items.push(item);
  const json = `{"data":{"nodes":[${items.join(',')}]}}`;
  const request = new Request('http://localhost/graphql', { headers: { 'accept-encoding': encoding } });
  // A streamed body has no declared length: the plugin measures what it reads.
  let response = streamed
    ? new Response(new Blob([json]).stream(), { headers: { 'content-type': 'application/json' } })
    : new Response(json, {
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(json)) },
      });
  const onResponse = compressionPlugin().onResponse as (payload: unknown) => Promise<void>;
  await onResponse({ request, response, fetchAPI: globalThis, setResponse: (r: Response) => (response = r) });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    json,
    response,
    bytes: body.byteLength,
    text: (encoding === 'br' ? brotliDecompressSync(body) : gunzipSync(body)).toString(),
  };
}

describe('compression of JSON answers', () => {
  for (const encoding of ['gzip', 'br'] as const) {
    for (const [label, bytes] of [
      ['a page (on the request thread)', 50_000],
      ['a large answer (in the thread pool)', 600_000],
    ] as const) {
      it(`${encoding}: ${label} comes out whole, with its length`, async () => {
        const { json, response, text } = await compressed(bytes, encoding);
        expect(response.headers.get('content-encoding')).toBe(encoding);
        expect(Number(response.headers.get('content-length'))).toBeLessThan(json.length / 4);
        expect(text).toBe(json);
      });
    }
  }

  it('a streamed answer without a declared length is compressed whole, with its length', async () => {
    const { json, response, text, bytes } = await compressed(50_000, 'gzip', true);
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(Number(response.headers.get('content-length'))).toBe(bytes);
    expect(text).toBe(json);
  });
});
