import { Socket } from 'node:net';

/** The Redis the shared-state tests use: TEST_REDIS_URL, else the local one .ci/run starts. */
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

/** Whether Redis answers PING; a laptop may have none, and the tests that need it then say so. */
export async function redisAnswers(url: string = testRedisUrl): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1_000, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(Number(port || 6379), hostname, () => {
      socket.write('PING\r\n');
      socket.once('data', (d) => finish(String(d).startsWith('+PONG')));
    });
  });
}

/** A key prefix no other run uses: Redis outlives the test, and an old run's counts must not leak in. */
export function uniqueRedisPrefix(label: string): string {
  return `test:${label}:${process.pid}:${Date.now().toString(36)}:`;
}
