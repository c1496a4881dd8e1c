import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';
import type { Plugin } from 'graphql-yoga';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Below this a compressed body saves less than the header and the CPU cost. */
export const COMPRESS_MIN_BYTES = 1024;
/**
 * Up to this a body is compressed on the request's own thread: gzip takes a page of 50 citations
 * (50 KB) in about 0.1 ms, while handing it to the thread pool (a zlib stream, its buffers and two
 * thread switches per answer) cost that page 0.45 ms of its median and 1.2–1.6 ms of its mean
 * (bench/README.md, round 9). Larger bodies go to the pool, so a big answer never holds the event
 * loop for long.
 */
const COMPRESS_SYNC_MAX_BYTES = 256 * 1024;
/** Above this the answer is a download or a stream, compressed by whoever serves files. */
const COMPRESS_MAX_BYTES = 16 * 1024 * 1024;

const COMPRESSIBLE = /^(application\/(graphql-response\+)?json|text\/html)/i;

function preferredEncoding(acceptEncoding: string | null): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    if (name) accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const score = (name: string) => accepted.get(name) ?? accepted.get('*') ?? 0;
  // Every answer is compressed on the fly, once, by a server whose one thread is what it is short
  // of: gzip at level 1 takes about a ninth of the time of brotli at quality 5 for a fifth more
  // bytes (a 50 KB page of citations: 0.6 ms → 9.8 KB against 5 ms → 7.9 KB on the shared bench
  // machine). So gzip wherever the client takes it; brotli only for a client that prefers it.
  if (score('gzip') > 0 && score('gzip') >= score('br')) return 'gzip';
  if (score('br') > 0) return 'br';
  return null;
}

/**
 * gzip or brotli for complete JSON and HTML answers over 1 KB. Incremental answers (`@defer` as
 * multipart, SSE) are left alone: compressing them would hold each part back until a compression
 * block fills. Request bodies are never decompressed, so the body limits measure what is parsed.
 * (`useContentEncoding` from @whatwg-node/server compresses every response, streams included, and
 * inflates request bodies past the size checks; hence this small plugin.)
 */
export function compressionPlugin(): Plugin {
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (response.headers.has('content-encoding')) return;
      if (!COMPRESSIBLE.test(response.headers.get('content-type') ?? '')) return;
      const encoding = preferredEncoding(request.headers.get('accept-encoding'));
      response.headers.append('vary', 'Accept-Encoding');
      if (!encoding) return;
      const declared = response.headers.get('content-length');
      const length = declared === null ? Number.NaN : Number(declared);
      if (length < COMPRESS_MIN_BYTES || length > COMPRESS_MAX_BYTES) return;
      if (declared === null && !response.body) return;
      // Read as the text it is: Yoga's answers hold their JSON as a string, which `text()` hands
      // over as it is, where `body` or `arrayBuffer()` first wrap it in a stream and copy it out
      // (~4 % of the canonical page's CPU). zlib takes the string and copies it once: ~2 % net.
      const text = await response.text();
      const size = Number.isNaN(length) ? Buffer.byteLength(text) : length;
      const headers = new fetchAPI.Headers(response.headers);
      let out: Buffer | string = text;
      if (size >= COMPRESS_MIN_BYTES && size <= COMPRESS_MAX_BYTES) {
        const inline = size <= COMPRESS_SYNC_MAX_BYTES;
        if (encoding === 'br') {
          const options = {
            params: {
              // Quality 4: most of brotli's gain at a fraction of its default's CPU time.
              [constants.BROTLI_PARAM_QUALITY]: 4,
              [constants.BROTLI_PARAM_SIZE_HINT]: size,
            },
          };
          out = inline ? brotliCompressSync(text, options) : await brotli(text, options);
        } else {
          out = inline ? gzipSync(text, { level: 1 }) : await gzipAsync(text, { level: 1 });
        }
        headers.set('content-encoding', encoding);
      }
      headers.set('content-length', String(typeof out === 'string' ? size : out.byteLength));
      setResponse(
        // A view of the compressed bytes, not a copy of them.
        new fetchAPI.Response(
          typeof out === 'string'
            ? out
            : new Uint8Array(out.buffer as ArrayBuffer, out.byteOffset, out.byteLength),
          {
            status: response.status,
            statusText: response.statusText,
            headers,
          },
        ),
      );
    },
  };
}
