import { createHash } from 'node:crypto';
import { parse } from 'graphql';

/** The key clients send for a document: SHA-256 of its exact text, lower-case hex (the APQ rule). */
export function documentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class DocumentListError extends Error {
  override name = 'DocumentListError';
}

/**
 * Reads a trusted-documents file: a JSON object of `"<sha256>": "<document text>"`, the shape
 * graphql-codegen's client preset writes as `persisted-documents.json`. Every entry is checked, so
 * a hand-edited file with a wrong hash fails at once instead of refusing clients later.
 */
export function parseDocumentList(json: string, where: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new DocumentListError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DocumentListError(`${where} must hold a JSON object of "<sha256>": "<document>" entries`);
  }
  const out = new Map<string, string>();
  for (const [hash, text] of Object.entries(parsed)) {
    if (typeof text !== 'string') throw new DocumentListError(`${where}: entry ${hash} is not a string`);
    if (documentHash(text) !== hash.toLowerCase()) {
      throw new DocumentListError(`${where}: entry ${hash} is not the SHA-256 of its document`);
    }
    out.set(hash.toLowerCase(), text);
  }
  return out;
}

/**
 * Adds documents to a list: each text must parse as GraphQL (the error names the file and line),
 * and an operation already registered is left as it is. Returns the hashes in input order.
 */
export function addDocuments(
  list: Map<string, string>,
  sources: ReadonlyArray<{ name: string; text: string }>,
): Array<{ name: string; hash: string; added: boolean }> {
  return sources.map(({ name, text }) => {
    try {
      parse(text);
    } catch (error) {
      throw new DocumentListError(`${name}: not a GraphQL document: ${(error as Error).message}`);
    }
    const hash = documentHash(text);
    const added = !list.has(hash);
    list.set(hash, text);
    return { name, hash, added };
  });
}

/** The list as the file stores it, sorted so diffs of a committed list stay small. */
export function serializeDocumentList(list: Map<string, string>): string {
  const sorted = Object.fromEntries([...list.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
