import { isIPv4 } from 'node:net';
import type { Database } from '../db/client.ts';
import { anyActiveToken, checkToken, hashToken, type TokenCheck } from './tokens.ts';

export interface AuthOptions {
  /** Tokens accepted besides the stored ones (BIBGRAPH_API_TOKENS). */
  apiTokens?: readonly string[];
  /** Queries need a token too (BIBGRAPH_READ_REQUIRES_TOKEN). */
  readRequiresToken?: boolean;
  /** Use the last X-Forwarded-For hop as the client address (BIBGRAPH_TRUST_PROXY). */
  trustProxy?: boolean;
}

export type PresentedToken = TokenCheck | { status: 'none' } | { status: 'malformed' };

/** Who sent a request, as far as the server can tell before running anything. */
export interface Caller {
  /** Client IP address; null when the transport gave none (an in-process call without one). */
  address: string | null;
  loopback: boolean;
  token: PresentedToken;
}

/** 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
export function isLoopbackAddress(address: string | null): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/**
 * The client address of a request. Over node:http it is the socket's peer; `yoga.fetch` callers
 * (tests, embedding code) state it as `clientAddress` in the server context. Without either the
 * address is unknown and the request is treated as remote, so a missing address never grants the
 * loopback privilege.
 */
export function clientAddress(
  serverContext: { clientAddress?: string; req?: { socket?: { remoteAddress?: string } } } | undefined,
  headers: Headers,
  trustProxy: boolean,
): string | null {
  const direct = serverContext?.clientAddress ?? serverContext?.req?.socket?.remoteAddress ?? null;
  if (trustProxy) {
    // The last hop is the one our proxy added; earlier ones are whatever the client claimed.
    const hops =
      headers
        .get('x-forwarded-for')
        ?.split(',')
        .map((h) => h.trim())
        .filter(Boolean) ?? [];
    const last = hops.at(-1);
    if (last) return last;
  }
  return direct;
}

export async function identifyCaller(
  db: Database,
  headers: Headers,
  address: string | null,
  options: AuthOptions,
): Promise<Caller> {
  const caller: Caller = { address, loopback: isLoopbackAddress(address), token: { status: 'none' } };
  const header = headers.get('authorization');
  if (header === null || header.trim() === '') return caller;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) {
    caller.token = { status: 'malformed' };
    return caller;
  }
  caller.token = await checkToken(db, m[1], envTokenHashes(options));
  return caller;
}

const hashCache = new WeakMap<readonly string[], string[]>();

export function envTokenHashes(options: AuthOptions): string[] {
  const list = options.apiTokens ?? [];
  let hashes = hashCache.get(list);
  if (!hashes) {
    hashes = list.map(hashToken);
    hashCache.set(list, hashes);
  }
  return hashes;
}

/** Why this caller may not change data, in words for the client; null when it may. */
export async function writeDenial(
  db: Database,
  caller: Caller,
  options: AuthOptions,
): Promise<string | null> {
  const token = tokenDenial(caller);
  if (token !== undefined) return token;
  if (await anyActiveToken(db, envTokenHashes(options))) {
    return 'This mutation needs an API token: send "Authorization: Bearer <token>"';
  }
  if (caller.loopback) return null;
  return `No API token is configured, so mutations are accepted only from loopback clients, and this request came from ${caller.address ?? 'an unknown address'}; create a token with "bibgraph token create --name NAME"`;
}

/** Why this caller may not read, or null; only asked when BIBGRAPH_READ_REQUIRES_TOKEN is on. */
export function readDenial(caller: Caller): string | null {
  const token = tokenDenial(caller);
  if (token !== undefined) return token;
  return 'Reading needs an API token on this server (BIBGRAPH_READ_REQUIRES_TOKEN): send "Authorization: Bearer <token>"';
}

/** What a sent token decides: null = allowed, a reason = refused, undefined = no token was sent. */
function tokenDenial(caller: Caller): string | null | undefined {
  switch (caller.token.status) {
    case 'valid':
      return null;
    case 'revoked':
      return `The API token "${caller.token.name}" has been revoked`;
    case 'unknown':
      return 'The API token is not valid';
    case 'malformed':
      return 'The Authorization header must read "Bearer <token>"';
    default:
      return undefined;
  }
}

/** The name the audit log records for a permitted writer. */
export function actorName(caller: Caller): string {
  return caller.token.status === 'valid' ? caller.token.name : 'loopback';
}
