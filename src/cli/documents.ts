import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import {
  addDocuments,
  DocumentListError,
  parseDocumentList,
  serializeDocumentList,
} from '../persisted/documents.ts';

export const documentsUsage = `  documents add <file.graphql…> [--file documents.json]
                           Register trusted documents (one operation or fragment set per file) in
                           the list the server reads (BIBGRAPH_PERSISTED_DOCUMENTS); prints each hash
  documents list [--file documents.json]
                           The registered documents' hashes and operation names
`;

interface Output {
  write(text: string): unknown;
}

/**
 * `bibgraph documents …`: edits the trusted-documents file. The server re-reads it when it
 * changes, so a registration is live within a second, without a restart.
 */
export function runDocumentsCommand(args: string[], config: Config, out: Output, err: Output): number {
  const [sub, ...rest] = args;
  const fail = (message: string) => {
    err.write(`bibgraph documents: ${message}\n\nUsage:\n${documentsUsage}`);
    return 2;
  };
  if (sub !== 'add' && sub !== 'list') return fail(`expected add or list, got "${sub ?? ''}"`);
  let parsed: { values: { file?: string }; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { file: { type: 'string' } } });
  } catch (error) {
    return fail((error as Error).message);
  }
  const file = parsed.values.file ?? config.persistedDocumentsFile;
  if (!file) return fail('say which list: --file documents.json, or set BIBGRAPH_PERSISTED_DOCUMENTS');
  if (sub === 'add' && parsed.positionals.length === 0) return fail('add takes one or more .graphql files');
  if (sub === 'list' && parsed.positionals.length > 0) return fail('list takes no files');
  try {
    const list = existsSync(file)
      ? parseDocumentList(readFileSync(file, 'utf8'), file)
      : new Map<string, string>();
    if (sub === 'list') {
      for (const [hash, text] of list) {
        const names = [...text.matchAll(/\b(query|mutation|subscription)\s+(\w+)/g)].map((m) => m[2]);
        out.write(`${hash}  ${names.join(', ') || '(anonymous)'}\n`);
      }
      out.write(`${list.size} document${list.size === 1 ? '' : 's'} in ${file}\n`);
      return 0;
    }
    const sources = parsed.positionals.map((name) => {
      if (!existsSync(name)) throw new DocumentListError(`${name}: no such file`);
      return { name, text: readFileSync(name, 'utf8') };
    });
    const results = addDocuments(list, sources);
    writeFileSync(file, serializeDocumentList(list));
    for (const r of results) out.write(`${r.hash}  ${r.name}${r.added ? '' : ' (already registered)'}\n`);
    out.write(`${list.size} document${list.size === 1 ? '' : 's'} in ${file}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof DocumentListError)) throw error;
    err.write(`bibgraph documents: ${error.message}\n`);
    return 1;
  }
}
