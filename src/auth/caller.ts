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

export type PresentedToken =
  | TokenCheck
  | { status: 'none' }
  /** `empty`: "Bearer" with nothing after it (a shell variable that was not set). */
  | { status: 'malformed'; empty?: boolean };

/** Who sent a request, as far as the server can tell before running anything. */
export interface Caller {
  /** Client IP address; null when the transport gave none (an in-process call without one). */
  address: string | null;
  /**
   * The loopback privilege (writing while no token exists): a loopback address, a loopback Host,
   * and no page on another origin behind the request.
   */
  loopback: boolean;
  /** Why a loopback address did not get the privilege, in words for the client. */
  notLoopbackBecause?: string;
  token: PresentedToken;
}

/** What the request itself says about where it was sent from: its URL and its browser headers. */
export interface RequestOrigin {
  /** The request URL; its host is the `Host` header the client sent. */
  url: URL;
  headers: Headers;
}

/** 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 form. */
export function isLoopbackAddress(address: string | null): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1' || address === '0:0:0:0:0:0:0:1';
}

/** localhost, 127.x.y.z and [::1]: the names under which only this machine can reach the server. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h === '[::1]') return true;
  return isIPv4(h) && h.startsWith('127.');
}

/**
 * Why this request may not use the loopback privilege although it came from a loopback address,
 * or null when it may. A browser on this machine sends requests for any page it shows, so the
 * address alone proves nothing: the request must not come from a page on another origin (another
 * port is another origin too), and the Host must be a loopback name — a DNS-rebinding page reaches
 * 127.0.0.1 under its own name, so for the browser it is "same-origin".
 */
export function loopbackRefusal(request: RequestOrigin): string | null {
  const host = request.url.host;
  if (!isLoopbackHost(request.url.hostname)) {
    return `its Host "${host}" is not a loopback name (localhost, 127.0.0.1, [::1])`;
  }
  const site = request.headers.get('sec-fetch-site');
  const origin = request.headers.get('origin');
  const own = `${request.url.protocol}//${host}`.toLowerCase();
  // "none" is a request the user started (address bar, bookmark); "same-site" includes other ports.
  const crossBySite = site !== null && site !== 'same-origin' && site !== 'none';
  const crossByOrigin = origin !== null && origin.toLowerCase() !== own;
  if (crossBySite || crossByOrigin) {
    return `it was sent by a page on another origin (${origin ?? `Sec-Fetch-Site: ${site}`})`;
  }
  return null;
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
  request: RequestOrigin,
  address: string | null,
  options: AuthOptions,
): Promise<Caller> {
  const caller: Caller = { address, loopback: false, token: { status: 'none' } };
  if (isLoopbackAddress(address)) {
    const refusal = loopbackRefusal(request);
    if (refusal) caller.notLoopbackBecause = refusal;
    else caller.loopback = true;
  }
  const header = request.headers.get('authorization');
  if (header === null || header.trim() === '') return caller;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) {
    caller.token = { status: 'malformed', empty: /^Bearer\s*$/i.test(header.trim()) };
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

export const NEEDS_TOKEN =
  'This needs an API token (mutations, and reading the change log): send "Authorization: Bearer <token>"';

/**
 * Whether a refusal is for want of credentials (no token, or one that is not good): 401
 * UNAUTHENTICATED. Otherwise no token could help (a remote caller of a loopback-only server): 403.
 */
export function refusedForCredentials(caller: Caller, reason: string): boolean {
  return caller.token.status !== 'none' || reason === NEEDS_TOKEN;
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
    return NEEDS_TOKEN;
  }
  if (caller.loopback) return null;
  if (caller.notLoopbackBecause) {
    return `No API token is configured, so mutations are accepted only from loopback clients; this request came from ${caller.address} but gets no loopback privilege because ${caller.notLoopbackBecause}. Send a token, or create one with "bibgraph token create --name NAME"`;
  }
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
      return caller.token.empty
        ? 'The Authorization header says "Bearer" but holds no token (an unset variable?): send a token, or no Authorization header where none is needed'
        : 'The Authorization header must read "Bearer <token>"';
    default:
      return undefined;
  }
}

/** The name the audit log records for a permitted writer. */
export function actorName(caller: Caller): string {
  return caller.token.status === 'valid' ? caller.token.name : 'loopback';
}
