import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root, runNode } from '../support/process.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

/**
 * The image is checked without a Docker engine: the runtime stage of the Dockerfile is read
 * (WORKDIR, ENV, COPY, CMD), exactly the paths it copies are copied into a temporary folder that
 * stands in for /app (honouring .dockerignore), and the image's CMD runs there. Only node_modules
 * is linked rather than installed, as `npm ci --omit=dev` would take minutes; a separate check
 * makes sure no runtime import needs a devDependency.
 */

interface RuntimeStage {
  workdir: string;
  env: Record<string, string>;
  copies: Array<{ from: string | null; sources: string[]; dest: string }>;
  cmd: string[];
}

function dockerfileLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function runtimeStage(text: string): RuntimeStage {
  const lines = dockerfileLines(text);
  const start = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  const stage: RuntimeStage = { workdir: '/', env: {}, copies: [], cmd: [] };
  for (const line of lines.slice(start + 1)) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction.toUpperCase()) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        break;
      case 'ENV':
        for (const m of args.matchAll(/(\w+)=("[^"]*"|\S+)/g))
          stage.env[m[1] as string] = (m[2] as string).replace(/^"|"$/g, '');
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        let from: string | null = null;
        while (words[0]?.startsWith('--')) {
          const flag = words.shift() as string;
          if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
        }
        const dest = words.pop() as string;
        stage.copies.push({ from, sources: words, dest: posix.resolve(stage.workdir, dest) });
        break;
      }
      case 'CMD':
        stage.cmd = JSON.parse(args) as string[];
        break;
    }
  }
  return stage;
}

/** .dockerignore patterns as the build context sees them (plain paths and `*` globs). */
function ignoredBy(patterns: string[]): (path: string) => boolean {
  const regexes = patterns.map(
    (p) =>
      new RegExp(
        `^${p
          .replace(/^\/|\/$/g, '')
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')}(/|$)`,
      ),
  );
  return (path) => regexes.some((r) => r.test(path));
}

const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const stage = runtimeStage(dockerfile);
const ignored = ignoredBy(dockerfileLines(readFileSync(join(root, '.dockerignore'), 'utf8')));

/** Copies what the runtime stage copies into `app` (which plays the image's WORKDIR). */
function assemble(app: string): string[] {
  const copied: string[] = [];
  const inApp = (dest: string) => join(app, posix.relative(stage.workdir, dest));
  for (const copy of stage.copies) {
    if (copy.from !== null) {
      // The deps stage installs the production dependencies; the test reuses the installed ones.
      expect(copy, 'only node_modules may come from another stage').toEqual({
        from: 'deps',
        sources: [`${stage.workdir}/node_modules`],
        dest: `${stage.workdir}/node_modules`,
      });
      symlinkSync(join(root, 'node_modules'), inApp(copy.dest), 'dir');
      continue;
    }
    const intoFolder = copy.dest.endsWith('/') || copy.sources.length > 1;
    for (const source of copy.sources) {
      const from = join(root, source);
      expect(existsSync(from), `COPY ${source}: no such path`).toBe(true);
      expect(ignored(source), `COPY ${source} is excluded by .dockerignore`).toBe(false);
      const to = intoFolder ? join(inApp(copy.dest), posix.basename(source)) : inApp(copy.dest);
      mkdirSync(statSync(from).isDirectory() ? to : dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true, filter: (path) => !ignored(relative(root, path)) });
      copied.push(relative(app, to));
    }
  }
  return copied;
}

function run(command: string[], cwd: string, env: Record<string, string>, input?: string) {
  const [program, ...args] = command;
  expect(program).toBe('node');
  return runNode(args, { cwd, env, input });
}

function start(command: string[], cwd: string, env: Record<string, string>) {
  return new Promise<{ child: ChildProcess; url: string }>((done, fail) => {
    const [, ...args] = command;
    const child = spawn(process.execPath, args, { cwd, env });
    let output = '';
    const onData = (d: Buffer) => {
      output += d;
      const m = /listening on (http:\/\/localhost:\d+)/.exec(output);
      if (m?.[1]) done({ child, url: m[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`the image's CMD exited with ${code}:\n${output}`)));
  });
}

describe('the Docker image (runtime stage, assembled without Docker)', { timeout: 300_000 }, () => {
  const app = mkdtempSync(join(tmpdir(), 'bibgraph-image-'));
  let copied: string[] = [];
  let database: { url: string | null; drop(): Promise<void> } = { url: null, drop: async () => {} };
  beforeAll(async () => {
    copied = assemble(app);
    if (process.env.TEST_DATABASE_URL)
      database = await createScratchDatabase(process.env.TEST_DATABASE_URL, 'image');
  });
  afterAll(async () => {
    rmSync(app, { recursive: true, force: true });
    await database.drop();
  });

  it('copies everything read at run time', () => {
    expect(stage.env.NODE_ENV).toBe('production');
    for (const path of ['package.json', 'tsconfig.json', 'src', 'bin', 'migrations', 'styles']) {
      expect(copied, `the image lacks ${path}`).toContain(path);
    }
    expect(existsSync(join(app, 'styles', 'apa.csl'))).toBe(true);
    expect(existsSync(join(app, 'styles', 'locales'))).toBe(true);
  });

  it('imports no devDependency from the code it ships (npm ci --omit=dev leaves them out)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.name === 'node_modules'
          ? []
          : e.isDirectory()
            ? walk(join(dir, e.name))
            : /\.(ts|mjs|js)$/.test(e.name)
              ? [join(dir, e.name)]
              : [],
      );
    const missing = new Set<string>();
    for (const file of walk(app)) {
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (`from` only where a statement starts with import/export, so
      // SQL such as "is distinct from 'x'" is not taken for one), side-effect and dynamic imports.
      const imports =
        /^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"./][^'"]*)['"]|\bimport\s*\(\s*['"]([^'"./][^'"]*)['"]|^\s*import\s+['"]([^'"./][^'"]*)['"]/gm;
      for (const m of text.matchAll(imports)) {
        const spec = (m[1] ?? m[2] ?? m[3]) as string;
        if (spec.startsWith('node:')) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : (spec.split('/')[0] as string);
        if (!(name in pkg.dependencies)) missing.add(`${name} (${relative(app, file)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it("runs the image's CMD in production: a CLI token, an ingest, styles, bibliography and /export", async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: app,
      ...stage.env,
      PORT: '0',
      HOST: '127.0.0.1',
      ...(database.url ? { DATABASE_URL: database.url } : { BIBGRAPH_DATA_DIR: join(app, 'data') }),
    };
    expect(env.NODE_ENV).toBe('production');
    // As docs/deploy.md says: `docker compose exec app node bin/bibgraph.mjs token create --name admin`.
    const created = await run(['node', 'bin/bibgraph.mjs', 'token', 'create', '--name', 'admin'], app, env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();

    const server = await start(stage.cmd, app, env);
    try {
      const gql = async (query: string) => {
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        const body = (await res.json()) as { data?: Record<string, any>; errors?: unknown[] };
        expect(body.errors).toBeUndefined();
        return body.data as Record<string, any>;
      };
      const ris =
        'TY  - JOUR\nTI  - Containers ship styles\nAU  - Doe, Jane\nPY  - 2024\nJO  - Journal of Images\nDO  - 10.4242/image.1\nER  - \n';
      const ingest = await gql(`mutation { ingestRis(input: { ris: ${JSON.stringify(ris)} }) { created } }`);
      expect(ingest.ingestRis.created).toBe(1);

      const read = await gql(
        '{ styles { name } citations(first: 1) { nodes { formatted(style: "apa") } } bibliography(style: "vancouver") { count content } }',
      );
      expect(read.styles.map((s: { name: string }) => s.name)).toContain('apa');
      expect(read.citations.nodes[0].formatted).toMatch(/Doe, J\. \(2024\)\. Containers ship styles\./);
      expect(read.bibliography.count).toBe(1);
      expect(read.bibliography.content).toMatch(/Doe J\. Containers ship styles/);

      const exported = await fetch(`${server.url}/export?format=bibtex`);
      expect(exported.status).toBe(200);
      expect(await exported.text()).toMatch(/title = \{Containers ship styles\}/);
    } finally {
      server.child.kill('SIGTERM');
    }
  });

  it('is described in docs/deploy.md by the real docker-compose.yml', () => {
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
    const readme = readFileSync(join(root, 'docs/deploy.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) expect(block).toBe(compose);
  });
});
