/**
 * The CLI's door into a running bibgraph server. While a server holds the PGlite folder (PGlite
 * allows one process per folder), or with `--server URL`, `bibgraph ingest` uploads each file with
 * the GraphQL multipart request (a background ingestion, followed over a subscription) and
 * `bibgraph export` downloads `GET /export`: the same services,
 * run by the server's process.
 */

import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type CitationPreview, PREVIEW_FIELDS, type PreviewContributor } from '../citation/preview.ts';
import type { FormatChoice } from '../formats/read.ts';
import { DRY_RUN_PREVIEWS, type RecordOutcome } from '../ingest/ingest.ts';
import type { IngestSummary } from './ingest.ts';

/**
 * Nothing (more) can go through this server: it cannot be reached, refuses the caller, or is not a
 * bibgraph server. The run stops; the CLI prints the message as one line and exits 2.
 */
export class ServerAccessError extends Error {
  override name = 'ServerAccessError';
}

/** The server refused the request's arguments (an unknown export parameter): a usage error. */
export class ServerUsageError extends Error {
  override name = 'ServerUsageError';
}

/** What one file's upload came to: the server's summary, or why the server rejected the file. */
export type UploadOutcome = { report: IngestSummary; error: null } | { report: null; error: string };

const START_INGESTION = `mutation StartIngestion($file: File!, $source: String, $dryRun: Boolean, $format: InputFormat) {
  startIngestion(file: $file, source: $source, dryRun: $dryRun, format: $format) { id }
}`;

const FOLLOW_INGESTION = `subscription FollowIngestion($id: ID!) {
  ingestionProgress(id: $id) {
    status records bytes bytesTotal recordsPerSecond error
    result { found created updated unchanged failed problems { record line severity message } }
  }
}`;

/** The same, with how a dry run read its first records (--show-mapping). */
const FOLLOW_INGESTION_MAPPED = FOLLOW_INGESTION.replace(
  'problems { record line severity message }',
  `problems { record line severity message }
    records { record line action matchedBy citation { id } mapped {
      ${PREVIEW_FIELDS.map((f) => f.name).join(' ')}
      contributors { role position name family given suffix literal affiliations }
      affiliations { name country countryCode organizations }
      keywords
    } }`,
);

/** One entry of `records` as FOLLOW_INGESTION_MAPPED asks for it. */
interface ServerRecord {
  record: number;
  line: number;
  action: string;
  matchedBy: string | null;
  citation: { id: string } | null;
  mapped:
    | (Record<string, unknown> & {
        contributors: Array<
          Omit<PreviewContributor, 'role' | 'nameAsWritten'> & { role: string; name: string }
        >;
        affiliations: CitationPreview['affiliations'];
        keywords: string[];
      })
    | null;
}

/** A server's record entry as the local report has it (enum values lower-cased, global ID decoded). */
function outcomeOf(r: ServerRecord): RecordOutcome {
  const m = r.mapped;
  const globalId = r.citation ? Buffer.from(r.citation.id, 'base64').toString('utf8') : null;
  return {
    record: r.record,
    line: r.line,
    action: r.action.toLowerCase() as RecordOutcome['action'],
    matchedBy: (r.matchedBy?.toLowerCase().replace('raw_record', 'raw') ??
      null) as RecordOutcome['matchedBy'],
    citationId: globalId ? Number(globalId.slice(globalId.indexOf(':') + 1)) : null,
    title: null,
    mapped: m && {
      fields: Object.fromEntries(
        PREVIEW_FIELDS.map((f) => [f.name, m[f.name] ?? null]),
      ) as CitationPreview['fields'],
      contributors: m.contributors.map(({ name, role, ...c }) => ({
        ...c,
        role: role.toLowerCase() as PreviewContributor['role'],
        nameAsWritten: name,
      })),
      affiliations: m.affiliations,
      keywords: m.keywords,
    },
  };
}

/** One ingestionProgress event, as the CLI reads it. */
export interface ServerProgress {
  status: 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  records: number;
  bytes: number;
  bytesTotal: number | null;
  recordsPerSecond: number;
  error: string | null;
  result: (IngestPayload & { records?: ServerRecord[] }) | null;
}

/** How long to wait for a server that answers 503 while it is still starting (opening the database). */
const STARTING_WAIT_MS = 60_000;

interface GraphQLResponse {
  data?: { startIngestion?: { id: string } | null } | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

interface IngestPayload {
  found: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  problems: Array<{ record: number; line: number | null; severity: string; message: string }>;
}

/** Reads `--server`: an http(s) URL of the server, with or without the `/graphql` path. */
export function serverBase(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ServerUsageError(`--server must be a URL such as http://localhost:4000, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ServerUsageError(`--server must be an http:// or https:// URL, got "${raw}"`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/graphql$/, '');
  return `${url.origin}${path}`;
}

function messageOf(body: string): string {
  try {
    const json = JSON.parse(body) as GraphQLResponse;
    const message = json.errors?.[0]?.message;
    if (message) return message;
  } catch {}
  return body.trim().split('\n')[0]?.slice(0, 300) || '(no reason given)';
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

export class ServerClient {
  readonly base: string;
  constructor(
    url: string,
    private readonly token: string | null,
    /** Where to say that the run waits for the server's rate limit (stderr). */
    private readonly notes: NodeJS.WritableStream | null = null,
  ) {
    this.base = serverBase(url);
  }

  private authRefusal(reason: string): ServerAccessError {
    const hint = this.token
      ? 'check that BIBGRAPH_TOKEN (or --token) is a valid, unrevoked API token of that server'
      : 'set BIBGRAPH_TOKEN (or pass --token) to an API token of that server';
    return new ServerAccessError(
      `the bibgraph server at ${this.base} refused the request: ${reason}; ${hint}`,
    );
  }

  /**
   * Throws the server's 401/403 refusal of this client's token, if it refuses an upload of nothing.
   * The probe is itself a (file-less) multipart request, so it meets the very check that turned the
   * upload away before reading it; a JSON request would not (`mutation { __typename }` asks no
   * field a token guards, and reads are public unless the server says otherwise).
   */
  private async throwIfRefused(): Promise<void> {
    const form = new FormData();
    form.set('operations', JSON.stringify({ query: 'mutation { __typename }' }));
    form.set('map', '{}');
    const probe = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: {
        'x-graphql-yoga-csrf': '1',
        accept: 'application/json',
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: form,
    }).catch(() => null);
    if (probe && (probe.status === 401 || probe.status === 403)) {
      throw this.authRefusal(messageOf(await probe.text()));
    }
    await probe?.body?.cancel();
  }

  /**
   * One request; a fresh body per attempt, since a server still opening its database answers 503
   * with Retry-After, and a rate-limited one 429 with Retry-After, and the request is sent again.
   */
  private async send(path: string, init: () => RequestInit): Promise<Response> {
    const deadline = Date.now() + STARTING_WAIT_MS;
    for (;;) {
      const request = init();
      let response: Response;
      try {
        response = await fetch(`${this.base}${path}`, {
          ...request,
          headers: {
            ...(request.headers as Record<string, string>),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          },
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason = cause?.code ?? cause?.message ?? (error as Error).message;
        // The server refuses an upload from a caller it will not let write before reading it, and
        // closes the connection: a client still sending sees EPIPE or a reset, not the answer.
        // Asking again without a body gets the refusal itself.
        if (request.body != null) await this.throwIfRefused();
        throw new ServerAccessError(`cannot reach the bibgraph server at ${this.base} (${reason})`);
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      if (response.status === 503 && retryAfter > 0 && Date.now() < deadline) {
        await response.body?.cancel();
        await sleep(Math.min(retryAfter, 5) * 1000);
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw this.authRefusal(messageOf(await response.text()));
      }
      if (response.status === 429) {
        // A folder of many files is many requests; the server says when the next one is welcome.
        const reason = messageOf(await response.text());
        if (!(retryAfter > 0)) {
          throw new ServerAccessError(
            `the bibgraph server at ${this.base} is rate-limiting this client: ${reason}`,
          );
        }
        this.notes?.write(`bibgraph: ${reason}; waiting\n`);
        await sleep(retryAfter * 1000);
        continue;
      }
      if (response.status === 404) {
        await response.body?.cancel();
        throw new ServerAccessError(
          `${this.base}${path} is not a bibgraph endpoint (HTTP 404); check --server`,
        );
      }
      return response;
    }
  }

  /**
   * Uploads one file (any format the server reads) to `startIngestion` (a background ingestion on the server, which takes
   * files larger than ingestRisFile does) and follows it over the `ingestionProgress` subscription
   * (graphql-ws), calling `onProgress` with each event, until it ends.
   */
  async ingestInBackground(
    file: Blob,
    name: string,
    source: string,
    dryRun: boolean,
    onProgress: (progress: ServerProgress) => void,
    format: FormatChoice = 'AUTO',
    showMapping = false,
  ): Promise<UploadOutcome> {
    const response = await this.send('/graphql', () => {
      const form = new FormData();
      form.set(
        'operations',
        JSON.stringify({ query: START_INGESTION, variables: { file: null, source, dryRun, format } }),
      );
      form.set('map', JSON.stringify({ 0: ['variables.file'] }));
      form.set('0', file, name);
      return {
        method: 'POST',
        headers: { 'x-graphql-yoga-csrf': '1', accept: 'application/json' },
        body: form,
      };
    });
    const text = await response.text();
    if (response.status === 413) return { report: null, error: messageOf(text) };
    let json: GraphQLResponse;
    try {
      json = JSON.parse(text) as GraphQLResponse;
    } catch {
      return { report: null, error: `the server answered HTTP ${response.status}: ${messageOf(text)}` };
    }
    const id = json.data?.startIngestion?.id;
    if (!id) {
      const first = json.errors?.[0];
      if (first?.extensions?.code === 'FORBIDDEN' || first?.extensions?.code === 'UNAUTHENTICATED') {
        throw this.authRefusal(first.message);
      }
      return {
        report: null,
        error: first?.message ?? `the server answered HTTP ${response.status} without a result`,
      };
    }
    const last = await this.follow(id, onProgress, showMapping ? FOLLOW_INGESTION_MAPPED : FOLLOW_INGESTION);
    if (last.status === 'SUCCEEDED' && last.result) {
      const { records, ...result } = last.result;
      return {
        report: {
          ...result,
          // Records past the server's preview window come back with `mapped` null, as failed ones do.
          ...(records
            ? { outcomes: records.filter((r) => r.record <= DRY_RUN_PREVIEWS).map(outcomeOf) }
            : {}),
          problems: last.result.problems.map((p) => ({
            ...p,
            severity: p.severity.toLowerCase() as IngestSummary['problems'][number]['severity'],
          })),
        },
        error: null,
      };
    }
    return { report: null, error: last.error ?? `the ingestion ended ${last.status}` };
  }

  /** The ingestion's progress events until the finished one, over a WebSocket of its own. */
  private follow(
    id: string,
    onProgress: (progress: ServerProgress) => void,
    query: string,
  ): Promise<ServerProgress> {
    const client = createClient({
      url: `${this.base.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: this.token ? { authorization: `Bearer ${this.token}` } : undefined,
      retryAttempts: 5,
      lazy: true,
    });
    return new Promise<ServerProgress>((resolve, reject) => {
      let last: ServerProgress | null = null;
      client.subscribe<{ ingestionProgress: ServerProgress }>(
        { query, variables: { id } },
        {
          next: (value) => {
            const progress = value.data?.ingestionProgress;
            if (!progress) return;
            last = progress;
            onProgress(progress);
          },
          error: (error) => {
            const reason =
              error instanceof Error
                ? error.message
                : ((error as { reason?: string }).reason ?? JSON.stringify(error).slice(0, 300));
            reject(new ServerAccessError(`lost the progress of the ingestion on ${this.base}: ${reason}`));
          },
          complete: () => {
            if (last) resolve(last);
            else
              reject(
                new ServerAccessError(`the server at ${this.base} sent no progress for ingestion ${id}`),
              );
          },
        },
      );
    }).finally(() => client.dispose());
  }

  /** `GET /export` with these parameters; resolves with the streaming response once it is 200. */
  async download(params: URLSearchParams): Promise<Response> {
    const response = await this.send(`/export?${params}`, () => ({ method: 'GET' }));
    if (response.status === 400) throw new ServerUsageError(messageOf(await response.text()));
    if (!response.ok || !response.body) {
      throw new ServerAccessError(
        `the bibgraph server at ${this.base} could not export (HTTP ${response.status}): ${messageOf(await response.text())}`,
      );
    }
    return response;
  }
}
