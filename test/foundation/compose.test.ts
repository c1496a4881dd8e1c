import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { MULTIPART_OVERHEAD } from '../../src/server/limits.ts';
import { root } from '../support/process.ts';

/**
 * docker-compose.yml checked without a Docker engine: parsed as YAML, then held against what the
 * code expects: every setting the app gets is one src/config.ts reads and accepts, its URLs name
 * services that exist, the proxy forwards to the port the app listens on and lets an upload of
 * the ingest limit through, and the one published port is the proxy's.
 *
 * js-yaml is already installed (graphile-worker → cosmiconfig); loaded by path, it needs no types.
 */
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  configs?: Array<{ source: string; target: string }>;
  volumes?: string[];
}
interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
  volumes: Record<string, unknown>;
}

const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const compose = yaml.load(text) as Compose;

/** What `docker compose` makes of a value: `${VAR:-default}` with VAR unset, `$$` as `$`. */
function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{(\w+)(?::?-([^}]*))?\}/g, (all, _name, fallback) =>
    all === '$$' ? '$' : (fallback ?? ''),
  );
}

function service(name: string): Service {
  const found = compose.services[name];
  expect(found, `service ${name}`).toBeDefined();
  return found as Service;
}

const app = service('app');
const appEnv = Object.fromEntries(
  Object.entries(app.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
);

describe('docker-compose.yml', () => {
  it('runs two app instances, published only through the proxy', () => {
    expect(app.deploy?.replicas).toBeGreaterThanOrEqual(2);
    // Two instances cannot both bind one host port: only the proxy publishes one.
    expect(app.ports).toBeUndefined();
    const published = Object.entries(compose.services).filter(([, s]) => s.ports?.length);
    expect(published.map(([name]) => name)).toEqual(['proxy']);
    expect(service('proxy').ports).toEqual(['4000:80']);
  });

  it('gives the app only settings src/config.ts reads, and values it accepts', () => {
    const source = readFileSync(join(root, 'src/config.ts'), 'utf8');
    const known = new Set([
      ...[...source.matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]),
      ...[...source.matchAll(/'([A-Z][A-Z0-9_]+)'/g)].map((m) => m[1]),
    ]);
    expect(Object.keys(appEnv).filter((key) => !known.has(key))).toEqual([]);
    const config = loadConfig(appEnv);
    expect(config.nodeEnv).toBe('production');
    // Behind the proxy every request comes from nginx: without this, all clients would share
    // one rate limit, nginx's.
    expect(config.trustProxy).toBe(true);
  });

  it('points the app at services that exist: primary, replica and Redis', () => {
    const config = loadConfig(appEnv);
    const host = (url: string | null) => new URL(url as string).hostname;
    expect(host(config.databaseUrl)).toBe('db');
    expect(config.replicaUrls.map(host)).toEqual(['db-replica']);
    expect(host(config.redisUrl)).toBe('redis');
    for (const name of ['db', 'db-replica', 'redis']) {
      service(name);
      expect(Object.keys(app.depends_on ?? {})).toContain(name);
    }
    // The replica is a copy of the primary: the same database, user and password.
    const primary = new URL(config.databaseUrl as string);
    const replica = new URL(config.replicaUrls[0] as string);
    expect([replica.username, replica.password, replica.pathname]).toEqual([
      primary.username,
      primary.password,
      primary.pathname,
    ]);
    const db = service('db').environment ?? {};
    expect(primary.username).toBe(db.POSTGRES_USER);
    expect(primary.password).toBe(interpolate(db.POSTGRES_PASSWORD ?? ''));
    expect(primary.pathname).toBe(`/${db.POSTGRES_DB}`);
  });

  it('streams the replica from the primary with the role the primary creates', () => {
    const db = service('db');
    const init = compose.configs[db.configs?.[0]?.source ?? '']?.content ?? '';
    expect(db.configs?.[0]?.target).toMatch(/^\/docker-entrypoint-initdb\.d\/.+\.sh$/);
    const role = /create role (\w+) with replication login/.exec(init)?.[1];
    expect(role).toBeDefined();
    expect(init).toContain(`host replication ${role} all`);
    const replica = service('db-replica');
    const command = ([] as string[]).concat(replica.command ?? []).join(' ');
    expect(command).toContain(`pg_basebackup -h db -U ${role} `);
    expect(command).toMatch(/ -R /);
    expect(interpolate(replica.environment?.PGPASSWORD ?? '')).toBe(
      interpolate(db.environment?.REPLICATION_PASSWORD ?? ''),
    );
    expect(Object.keys(replica.depends_on ?? {})).toContain('db');
  });

  it('has the proxy forward to the port the app listens on, with room for the largest upload', () => {
    const proxy = service('proxy');
    const nginx = compose.configs[proxy.configs?.[0]?.source ?? '']?.content ?? '';
    expect(proxy.configs?.[0]?.target).toBe('/etc/nginx/conf.d/default.conf');
    const config = loadConfig(appEnv);
    expect(nginx).toContain(`server app:${config.port} resolve;`);
    const maxBody = /client_max_body_size (\d+)m;/.exec(nginx)?.[1];
    expect(Number(maxBody) * 1024 * 1024).toBeGreaterThanOrEqual(config.maxIngestBytes + MULTIPART_OVERHEAD);
    // The client's address is appended as the last hop, the one BIBGRAPH_TRUST_PROXY reads.
    expect(nginx).toContain('X-Forwarded-For $$proxy_add_x_forwarded_for');
    expect(Object.keys(proxy.depends_on ?? {})).toEqual(['app']);
  });

  it('declares every named volume and config it uses', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const volume of s.volumes ?? []) {
        const named = volume.split(':')[0] as string;
        expect(compose.volumes, `${name}: volume ${named}`).toHaveProperty(named);
      }
      for (const c of s.configs ?? [])
        expect(compose.configs, `${name}: config ${c.source}`).toHaveProperty(c.source);
      for (const dependency of Object.keys(s.depends_on ?? {})) service(dependency);
    }
  });
});
