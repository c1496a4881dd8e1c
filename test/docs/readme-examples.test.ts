import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Kind, type OperationDefinitionNode, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runProcess, startServer, stopServer } from '../support/process.ts';

/**
 * The pages whose examples run here. Every fenced block on them names its language; `sh` and
 * `graphql` blocks are commands and run, in page order, against a fresh install; a block that
 * cannot run in a test says why in a `<!-- not-run: … -->` line above it, and a block that needs
 * the PGlite folder free (the server stopped) says `<!-- run: server stopped -->`.
 */
const PAGES = ['README.md', 'docs/ingest.md', 'docs/api.md', 'docs/deploy.md', 'docs/architecture.md'];
const COMMANDS = new Set(['sh', 'graphql']);

interface Block {
  page: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  notRun: string | null;
  serverStopped: boolean;
}

function blocksOf(page: string): Block[] {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${page}:${i + 1}: the block never ends`);
    const mark = i > 0 ? /^<!-- (.*) -->$/.exec(lines[i - 1] as string)?.[1] : undefined;
    blocks.push({
      page,
      line: i + 1,
      lang: open[1] ?? '',
      code: lines.slice(i + 1, end).join('\n'),
      notRun: mark?.startsWith('not-run') ? mark.replace(/^not-run:?\s*/, '') : null,
      serverStopped: mark === 'run: server stopped',
    });
    i = end;
  }
  return blocks;
}

const blocks = PAGES.flatMap(blocksOf);
const runnable = blocks.filter((b) => COMMANDS.has(b.lang) && b.notRun === null);
const name = (b: Block) => `${b.page}:${b.line} (${b.lang})`;

// A user's files: the examples name refs.ris, a.ris, b.ris, exports/ and more/.
const ris = (n: number, extra = '') =>
  `TY  - JOUR\nTI  - Example paper ${n} on stem cells\nAU  - Müller, Käthe\nAU  - Berg, Ola\nPY  - ${2015 + n}\nJO  - Journal of Examples\nKW  - stem cells\n${extra}DO  - 10.4242/readme.${n}\nER  - \n\n`;
const FILES: Record<string, string> = {
  'refs.ris':
    ris(1, 'KW  - ITP\nAD  - Department of Oncology, Uppsala University, Uppsala, Sweden\n') + ris(2),
  'a.ris': ris(3),
  'b.ris': ris(4),
  'exports/one.ris': ris(5),
  'exports/two.ris': `TY  - BOOK\nTI  - Stem cells, a primer\nAU  - Berg, Ola\nPY  - 2021\nPB  - Example Press\nER  - \n`,
  'more/three.ris': ris(6),
};

/** What a fresh shell has: none of the settings this test run (or vitest, or npm) put in the environment. */
function freshEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(NODE_ENV|DATABASE_|TEST_DATABASE_URL|REDIS_URL|BIBGRAPH_|PORT$|HOST$|npm_|VITEST|TINYPOOL)/.test(
          key,
        ),
    ),
  );
}

function bash(code: string, cwd: string, env: NodeJS.ProcessEnv) {
  return runProcess('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd, env });
}

describe('the documentation', () => {
  it('names the language of every block, and gives a reason for every block it does not run', () => {
    for (const b of blocks) {
      expect(b.lang, `${name(b)} has no language`).not.toBe('');
      if (b.notRun !== null) expect(b.notRun, `${name(b)}: not-run without a reason`).not.toBe('');
    }
    expect(runnable.length).toBeGreaterThan(10);
  });

  it('starts with the two commands of a fresh machine, as CI runs them', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    );
    const commands = [...quickStart.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]?.trim());
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
    expect(readme.split('\n').length).toBeLessThanOrEqual(130);
  });

  it('links only to files and headings that exist', () => {
    const pages = ['README.md', ...readdirSync(join(root, 'docs')).map((f) => `docs/${f}`)].filter((p) =>
      p.endsWith('.md'),
    );
    // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
    const slug = (heading: string) =>
      heading
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N}\- _]/gu, '')
        .replace(/ /g, '-');
    const prose = (page: string) => readFileSync(join(root, page), 'utf8').replace(/```[\s\S]*?```/g, '');
    const broken: string[] = [];
    for (const page of pages) {
      for (const [, link] of prose(page).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!link || /^(https?|mailto):/.test(link)) continue;
        const [path, anchor] = link.split('#');
        const target = path ? join(dirname(page), path) : page;
        if (!existsSync(join(root, target))) broken.push(`${page}: ${link}`);
        else if (anchor && target.endsWith('.md')) {
          const headings = [...prose(target).matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1] ?? ''));
          if (!headings.includes(anchor)) broken.push(`${page}: ${link}`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

// A copy of the project with no data (what `git clone` and `npm install` leave), the server
// started in it as `npm start` does, on a free port; the examples' `localhost:4000` is that port.
describe('every example runs verbatim on a fresh install', { timeout: 180_000 }, () => {
  const project = mkdtempSync(join(tmpdir(), 'bibgraph-fresh-'));
  const env = freshEnv();
  const ran = new Set<string>();
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  let port = '';

  beforeAll(async () => {
    for (const path of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'bin',
      'src',
      'migrations',
      'styles',
    ])
      cpSync(join(root, path), join(project, path), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(project, 'node_modules'));
    for (const [path, text] of Object.entries(FILES)) {
      mkdirSync(join(project, path, '..'), { recursive: true });
      writeFileSync(join(project, path), text);
    }
    server = await startServer({ HOST: '127.0.0.1' }, { cwd: project, baseEnv: env });
    port = new URL(server.url).port;
  });
  afterAll(async () => {
    if (server) await stopServer(server.child);
    rmSync(project, { recursive: true, force: true });
  });

  async function runBlock(b: Block) {
    if (b.lang === 'sh') {
      const code = b.code.replaceAll('localhost:4000', `localhost:${port}`);
      const out = await bash(code, project, env);
      const said = `${name(b)}\n$ ${code}\n${out.stdout}\n${out.stderr}`;
      expect(out.code, said).toBe(0);
      // curl prints a GraphQL refusal and still exits 0.
      expect(out.stdout, said).not.toContain('"errors"');
    } else {
      const document = parse(b.code);
      const operations = document.definitions.filter(
        (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
      );
      expect(operations.length, name(b)).toBeGreaterThan(0);
      for (const operation of operations) {
        expect(operation.operation, `${name(b)}: a subscription does not run here; mark it`).not.toBe(
          'subscription',
        );
        const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: b.code, operationName: operation.name?.value }),
        });
        const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
        expect(body.errors, `${name(b)}: ${JSON.stringify(body.errors)}`).toBeUndefined();
        expect(res.status, name(b)).toBe(200);
      }
    }
    ran.add(name(b));
  }

  for (const b of runnable.filter((x) => !x.serverStopped)) it(name(b), () => runBlock(b));

  it('stops the server as Ctrl-C does', async () => {
    expect(server).not.toBeNull();
    expect(await stopServer((server as NonNullable<typeof server>).child, 'SIGINT')).toBe(0);
    server = null;
  });

  for (const b of runnable.filter((x) => x.serverStopped))
    it(`${name(b)}, server stopped`, () => runBlock(b));

  it('ran every block not marked not-run', () => {
    expect([...ran].sort()).toEqual(runnable.map(name).sort());
  });
});
