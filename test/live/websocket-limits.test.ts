import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, stopServer } from '../support/process.ts';

/*
 * The WebSocket transport is bounded like HTTP: a message no larger than a request body, no more
 * sockets per address than subscriptions per client, and subscriptions spend the HTTP rate limit.
 */
const SUBSCRIBE = 'subscription { graphChanged { operation } }';

function wsUrl(base: string): string {
  return `${base.replace(/^http/, 'ws')}/graphql`;
}

/** Opens a graphql-ws socket and waits for the server's acknowledgement. */
async function connect(base: string): Promise<{ socket: WebSocket; messages: unknown[] }> {
  const socket = new WebSocket(wsUrl(base), 'graphql-transport-ws');
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    const wait = setInterval(() => {
      if (messages.some((m) => (m as { type: string }).type === 'connection_ack')) {
        clearInterval(wait);
        resolve();
      }
    }, 10);
  });
  return { socket, messages };
}

describe('WebSocket limits', () => {
  let server: { child: ChildProcess; url: string; output: () => string };
  beforeAll(async () => {
    server = await startServer({
      BIBGRAPH_DATA_DIR: 'memory://',
      BIBGRAPH_MAX_SUBSCRIPTIONS: '3',
      BIBGRAPH_MAX_BODY_SIZE: '64k',
      BIBGRAPH_RATE_LIMIT_IP_BURST: '5',
    });
  }, 60_000);
  afterAll(async () => {
    await stopServer(server.child);
  });

  it('closes a socket whose message is larger than a request body may be (1009)', async () => {
    const { socket } = await connect(server.url);
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(
      JSON.stringify({
        id: '1',
        type: 'subscribe',
        payload: { query: `${SUBSCRIBE} # ${'x'.repeat(100_000)}` },
      }),
    );
    expect(await closed).toBe(1009);
  });

  it('refuses more sockets from one address than subscriptions per client (429)', async () => {
    const held = [await connect(server.url), await connect(server.url), await connect(server.url)];
    await expect(connect(server.url)).rejects.toThrow(/HTTP 429/);
    for (const { socket } of held) socket.close();
    await new Promise((r) => setTimeout(r, 200));
    // Closed sockets give their places back.
    const again = await connect(server.url);
    again.socket.close();
  });

  it('counts subscriptions against the rate limit of HTTP requests', async () => {
    await new Promise((r) => setTimeout(r, 1_100)); // a fresh one-second burst window
    const { socket, messages } = await connect(server.url);
    for (let i = 1; i <= 12; i++) {
      socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: SUBSCRIBE } }));
    }
    await new Promise((r) => setTimeout(r, 500));
    const limited = messages.filter((m) => JSON.stringify(m).includes('RATE_LIMITED'));
    expect(limited.length).toBeGreaterThan(0);
    expect(JSON.stringify(limited[0])).toMatch(/BIBGRAPH_RATE_LIMIT_IP_BURST/);
    socket.close();
  });
});
