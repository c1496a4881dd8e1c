import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { type ApiToken, apiTokens } from '../db/schema.ts';

/** Prefix that makes a bibgraph token recognisable in logs and secret scanners. */
const TOKEN_PREFIX = 'bg_';

export class TokenError extends Error {
  override name = 'TokenError';
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Name under which a token from BIBGRAPH_API_TOKENS appears in the audit log: derived from its
 * hash, so it stays the same when the list is reordered and reveals nothing usable.
 */
export function envTokenName(hash: string): string {
  return `env:${hash.slice(0, 8)}`;
}

const NAME_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} ._@-]{0,63}$/u;

/** Creates a token; the plain token is returned once and never stored. */
export async function createToken(db: Database, name: string): Promise<{ token: string; row: ApiToken }> {
  const trimmed = name.trim();
  if (!NAME_PATTERN.test(trimmed)) {
    throw new TokenError(
      'token name must be 1-64 letters, digits, spaces or ._@- and start with a letter or digit',
    );
  }
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const [row] = await db
    .insert(apiTokens)
    .values({ name: trimmed, tokenHash: hashToken(token) })
    .onConflictDoNothing()
    .returning();
  if (!row)
    throw new TokenError(`a token named "${trimmed}" already exists; revoke it first or pick another name`);
  return { token, row };
}

export function listTokens(db: Database): Promise<ApiToken[]> {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.id));
}

/** Revokes the active token with this name, or the token with this numeric id. */
export async function revokeToken(db: Database, nameOrId: string): Promise<ApiToken> {
  const byId = /^\d+$/.test(nameOrId) ? Number(nameOrId) : null;
  const where =
    byId !== null && Number.isSafeInteger(byId)
      ? and(eq(apiTokens.id, byId), isNull(apiTokens.revokedAt))
      : and(eq(apiTokens.name, nameOrId), isNull(apiTokens.revokedAt));
  const [row] = await db.update(apiTokens).set({ revokedAt: new Date() }).where(where).returning();
  if (!row) throw new TokenError(`no active token named or numbered "${nameOrId}"`);
  return row;
}

export type TokenCheck =
  | { status: 'valid'; name: string }
  | { status: 'unknown' }
  | { status: 'revoked'; name: string };

/**
 * Looks a presented token up among the environment tokens and the stored ones. Asked on every
 * request and never cached: `bibgraph token revoke` changes only the database, and a revoked
 * token must be refused on the server's next request (test/cli/token-revocation.test.ts).
 */
export async function checkToken(
  db: Database,
  token: string,
  envHashes: readonly string[],
): Promise<TokenCheck> {
  const hash = hashToken(token);
  if (envHashes.includes(hash)) return { status: 'valid', name: envTokenName(hash) };
  const [row] = await db
    .select({ name: apiTokens.name, revokedAt: apiTokens.revokedAt })
    .from(apiTokens)
    .where(eq(apiTokens.tokenHash, hash))
    .limit(1);
  if (!row) return { status: 'unknown' };
  return row.revokedAt ? { status: 'revoked', name: row.name } : { status: 'valid', name: row.name };
}

/** True when at least one token could authorise a request (environment or stored, not revoked). */
export async function anyActiveToken(db: Database, envHashes: readonly string[]): Promise<boolean> {
  if (envHashes.length > 0) return true;
  const [row] = await db
    .select({ any: sql<boolean>`true` })
    .from(apiTokens)
    .where(isNull(apiTokens.revokedAt))
    .limit(1);
  return Boolean(row);
}
