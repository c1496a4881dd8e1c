import { parseArgs } from 'node:util';
import { recordChange, subjectId } from '../audit/log.ts';
import { createToken, listTokens, revokeToken, TokenError } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { formatTable } from './table.ts';

export const tokenUsage = `  token create --name NAME Create an API token; it is printed once, only its hash is stored
  token list               List tokens (name, id, created, revoked) — never the tokens themselves
  token revoke <name|id>   Revoke a token; requests carrying it are refused from then on
`;

interface Output {
  write(text: string): unknown;
}

/** `bibgraph token …`: manages API tokens directly in the database, as the server reads them. */
export async function runTokenCommand(
  args: string[],
  config: Config,
  out: Output,
  err: Output,
): Promise<number> {
  const [sub, ...rest] = args;
  const fail = (message: string) => {
    err.write(`bibgraph token: ${message}\n\nUsage:\n${tokenUsage}`);
    return 2;
  };
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke')
    return fail(`expected create, list or revoke, got "${sub ?? ''}"`);
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; options: { name: { type: 'string' } } }>
  >;
  try {
    parsed = parseArgs({ args: rest, allowPositionals: true, options: { name: { type: 'string' } } });
  } catch (error) {
    return fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (sub === 'create' && (!values.name || positionals.length > 0))
    return fail('create takes --name NAME and nothing else');
  if (sub === 'revoke' && (positionals.length !== 1 || values.name))
    return fail('revoke takes one token name or id');
  if (sub === 'list' && (positionals.length > 0 || values.name)) return fail('list takes no arguments');

  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    lockHolder: `bibgraph token ${sub}`,
  });
  try {
    if (sub === 'list') {
      const rows = await listTokens(database.db);
      out.write(
        `${formatTable(
          ['id', 'name', 'created', 'revoked'],
          rows.map((r) => [
            String(r.id),
            r.name,
            r.createdAt.toISOString(),
            r.revokedAt?.toISOString() ?? '',
          ]),
        )}\n`,
      );
      if (config.apiTokens.length > 0) {
        out.write(`(plus ${config.apiTokens.length} token(s) from BIBGRAPH_API_TOKENS, not listed)\n`);
      }
      return 0;
    }
    if (sub === 'create') {
      const { token, row } = await database.db.transaction(async (tx) => {
        const created = await createToken(tx, values.name as string);
        await recordChange(tx, {
          actor: 'cli',
          action: 'tokenCreate',
          subjects: [subjectId('ApiToken', created.row.id)],
          before: null,
          after: { name: created.row.name },
        });
        return created;
      });
      // The token goes alone to stdout so scripts can capture it; the advice goes to stderr.
      out.write(`${token}\n`);
      err.write(`Created API token "${row.name}" (id ${row.id}). Store it now: it cannot be shown again.\n`);
      return 0;
    }
    const row = await database.db.transaction(async (tx) => {
      const revoked = await revokeToken(tx, positionals[0] as string);
      await recordChange(tx, {
        actor: 'cli',
        action: 'tokenRevoke',
        subjects: [subjectId('ApiToken', revoked.id)],
        before: { name: revoked.name, revokedAt: null },
        after: { name: revoked.name, revokedAt: revoked.revokedAt },
      });
      return revoked;
    });
    out.write(`Revoked API token "${row.name}" (id ${row.id}).\n`);
    return 0;
  } catch (error) {
    if (error instanceof TokenError) {
      err.write(`bibgraph token: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}
