/**
 * How well affiliation strings become organizations and authors get linked to them, over a folder of
 * bibliographic files (each read in its detected format, as ingestion reads it), in memory: the
 * "Measure" of issue #12.
 * Usage: npm run measure:organizations -- <folder> [--sample N] [--seed S] [--threshold T]
 *        [--unlinked N] [--database]
 * --unlinked N: the organizations left without a person, tallied by the strongest link proposed for
 *   them and by file, and N of them with the author/address shape of the records naming them.
 * --database: the folder ingested into an in-memory PGlite, and the same counts as the API returns
 *   them by default (`Organization.people` at the threshold) — organizations deduplicated, authors
 *   and citations matched by the ingest's own rules rather than the keys below.
 *
 * Citations are deduplicated by DOI, else by the title/year/first-author fingerprint (first record
 * wins); authors by `authorKey`; organizations by (`organizationKey`, country code). Precision and
 * recall of INFERRED links are measured against the explicit links: for every (author, citation)
 * with explicit links on a citation with more than one author, those links are hidden, inference
 * runs over the author's citations, and what it proposes at or above the threshold for that
 * citation is compared with what was hidden.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { lookupCountry, usStateZipCountry } from '../src/address/countries.ts';
import type { ParsedAddress } from '../src/address/types.ts';
import { authorKey, citationFingerprint } from '../src/citation/keys.ts';
import { formatTable } from '../src/cli/table.ts';
import { openDatabase, rowsOf } from '../src/db/client.ts';
import { mapSourceRecord, parseCitationStream } from '../src/formats/read.ts';
import { ingestRis } from '../src/ingest/ingest.ts';
import { DEFAULT_LINK_THRESHOLD, inferAuthorLinks } from '../src/organizations/infer.ts';
import type { AuthorCitation, InferredLink } from '../src/organizations/types.ts';
import { organizationPeople } from '../src/query/organizations.ts';

const USAGE =
  'usage: npm run measure:organizations -- <folder> [--sample N] [--seed S] [--threshold T] [--unlinked N] [--database]';
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sample: { type: 'string', default: '0' },
    seed: { type: 'string', default: '12' },
    threshold: { type: 'string' },
    // Organizations left without anyone, with the records that name them: what to look at next.
    unlinked: { type: 'string', default: '0' },
    // Ingest the folder into an in-memory PGlite and count what the API returns by default.
    database: { type: 'boolean', default: false },
  },
});
const folder = positionals[0];
if (!folder) {
  console.error(USAGE);
  process.exit(2);
}
const threshold = values.threshold ? Number(values.threshold) : DEFAULT_LINK_THRESHOLD;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...walk(path));
    else if (!/\.(md|json)$/i.test(name)) out.push(path);
  }
  return out;
}

interface Citation {
  id: string;
  source: Source;
  year: number | null;
  authors: string[];
  /** Organization ids per affiliation index. */
  orgsByAffiliation: string[][];
  /** author key → explicit organization ids. */
  explicit: Map<string, Set<string>>;
  addresses: ParsedAddress[];
}

/** The author and address tags of a record in order, runs counted: `AU×3 AD×2`. */
function tagShape(tags: readonly { tag: string }[]): string {
  const runs: Array<[string, number]> = [];
  for (const { tag } of tags) {
    if (!/^(?:AU|A1|AD|C1)$/.test(tag)) continue;
    const last = runs.at(-1);
    if (last && last[0] === tag) last[1]++;
    else runs.push([tag, 1]);
  }
  return runs.map(([tag, n]) => (n > 1 ? `${tag}×${n}` : tag)).join(' ');
}

type Mapped = NonNullable<ReturnType<typeof mapSourceRecord>['citation']>;
interface Source {
  file: string;
  format: string;
  shape: string;
}
const mapped: Array<{ id: string; c: Mapped; source: Source }> = [];
const seen = new Set<string>();
const files = walk(folder);
for (const file of files) {
  // Read as ingestion reads it: the format detected, each format's reader, the same mapping.
  let format = '?';
  async function* whole(): AsyncGenerator<Uint8Array> {
    yield readFileSync(file);
  }
  for await (const event of parseCitationStream(whole())) {
    if (event.type === 'format') format = event.format;
    if (event.type !== 'record') continue;
    const record = event.record;
    const c = mapSourceRecord(record).citation;
    if (!c) continue;
    const id = c.doi ? `doi:${c.doi}` : (citationFingerprint(c) ?? `${file}#${record.index}`);
    if (seen.has(id)) continue;
    seen.add(id);
    mapped.push({ id, c, source: { file: relative(folder, file), format, shape: tagShape(record.tags) } });
  }
}

// Organizations are one per (key, country). A string that names no country does not name another
// country: its organization joins the one country its key is seen with, when there is exactly one.
const countriesOfKey = new Map<string, Set<string>>();
for (const { c } of mapped)
  for (const a of c.affiliations)
    for (const o of a.address.organizations)
      if (a.address.country) {
        const set = countriesOfKey.get(o.key) ?? new Set<string>();
        set.add(a.address.country.code);
        countriesOfKey.set(o.key, set);
      }
function orgId(key: string, address: ParsedAddress): string {
  const known = countriesOfKey.get(key);
  const country = address.country?.code ?? (known?.size === 1 ? [...known][0] : '');
  return `${key}|${country}`;
}

const citations: Citation[] = [];
for (const { id, c, source } of mapped) {
  const authors = c.contributors.filter((p) => p.role === 'author');
  const orgsByAffiliation = c.affiliations.map((a) =>
    a.address.organizations.map((o) => orgId(o.key, a.address)),
  );
  const explicit = new Map<string, Set<string>>();
  for (const p of authors) {
    if (p.affiliations.length === 0) continue;
    const set = explicit.get(authorKey(p.name)) ?? new Set<string>();
    for (const ai of p.affiliations) for (const o of orgsByAffiliation[ai] ?? []) set.add(o);
    explicit.set(authorKey(p.name), set);
  }
  citations.push({
    id,
    source,
    year: c.year,
    authors: [...new Set(authors.map((p) => authorKey(p.name)))],
    orgsByAffiliation,
    explicit,
    addresses: c.affiliations.map((a) => a.address),
  });
}

// ---------------------------------------------------------------------------------------------
// Addresses

/** Does the string name a country, judged without the parser: its last part holds a country name or a US state + ZIP. */
function namesCountry(a: ParsedAddress): boolean {
  if (a.country) return true;
  const text = a.raw.replace(/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '').replace(/[\s.,;:]+$/, '');
  const last = text.split(/[,，]/).pop()?.trim() ?? '';
  if (usStateZipCountry(last)) return true;
  const words = last.split(/\s+/).filter((w) => !/\d/.test(w));
  for (let i = 0; i < words.length; i++)
    for (let n = 1; n <= 3 && i + n <= words.length; n++)
      if (lookupCountry(words.slice(i, i + n).join(' '))) return true;
  return false;
}

let addressCount = 0;
let parsed = 0;
let naming = 0;
let withCountry = 0;
const allAddresses: ParsedAddress[] = [];
for (const c of citations) {
  for (const a of c.addresses) {
    addressCount++;
    allAddresses.push(a);
    if (a.organizations.length > 0) parsed++;
    if (namesCountry(a)) {
      naming++;
      if (a.country) withCountry++;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Authors and links

const byAuthor = new Map<string, AuthorCitation[]>();
for (const c of citations) {
  const orgs = [...new Set(c.orgsByAffiliation.flat())];
  c.authors.forEach((a, position) => {
    const list = byAuthor.get(a) ?? [];
    list.push({
      citationId: c.id,
      year: c.year,
      authorCount: c.authors.length,
      organizationIds: orgs,
      explicitOrganizationIds: [...(c.explicit.get(a) ?? [])],
      addressOrganizationIds: c.orgsByAffiliation,
      authorPosition: position,
    });
    byAuthor.set(a, list);
  });
}

const allOrgs = new Set(citations.flatMap((c) => c.orgsByAffiliation.flat()));
const orgsWithPerson = new Set<string>();
const authorsOnAddressed = new Set<string>();
const authorsLinked = new Set<string>();
const ruleCounts = new Map<string, { all: number; kept: number }>();
/** The strongest link proposed to each organization (kept or not). */
const bestProposed = new Map<string, InferredLink>();
let explicitLinks = 0;
for (const [author, list] of byAuthor) {
  for (const c of list) {
    if (c.organizationIds.length > 0) authorsOnAddressed.add(author);
    for (const o of c.explicitOrganizationIds) {
      explicitLinks++;
      orgsWithPerson.add(o);
      authorsLinked.add(author);
    }
  }
  for (const l of inferAuthorLinks(list)) {
    const best = bestProposed.get(l.organizationId);
    if (!best || l.confidence > best.confidence) bestProposed.set(l.organizationId, l);
    const r = ruleCounts.get(l.rule) ?? { all: 0, kept: 0 };
    r.all++;
    if (l.confidence >= threshold) {
      r.kept++;
      orgsWithPerson.add(l.organizationId);
      authorsLinked.add(author);
    }
    ruleCounts.set(l.rule, r);
  }
}

// Hide-and-infer: the labelled set.
const perRule = new Map<string, { right: number; wrong: number }>();
let truePositive = 0;
let falsePositive = 0;
let hidden = 0;
let labelled = 0;
for (const list of byAuthor.values()) {
  for (const target of list) {
    if (target.explicitOrganizationIds.length === 0 || target.authorCount < 2) continue;
    labelled++;
    const truth = new Set(target.explicitOrganizationIds);
    hidden += truth.size;
    const masked = list.map((c) => (c === target ? { ...c, explicitOrganizationIds: [] } : c));
    const proposed: InferredLink[] = inferAuthorLinks(masked).filter(
      (l) => l.citationId === target.citationId && l.confidence >= threshold,
    );
    for (const l of proposed) {
      const ok = truth.has(l.organizationId);
      if (ok) truePositive++;
      else falsePositive++;
      const r = perRule.get(l.rule) ?? { right: 0, wrong: 0 };
      if (ok) r.right++;
      else r.wrong++;
      perRule.set(l.rule, r);
    }
  }
}

// Precision of every rule at any confidence (what calibration looks at).
const perRuleAny = new Map<string, { right: number; wrong: number }>();
for (const list of byAuthor.values()) {
  for (const target of list) {
    if (target.explicitOrganizationIds.length === 0 || target.authorCount < 2) continue;
    const truth = new Set(target.explicitOrganizationIds);
    const masked = list.map((c) => (c === target ? { ...c, explicitOrganizationIds: [] } : c));
    for (const l of inferAuthorLinks(masked)) {
      if (l.citationId !== target.citationId) continue;
      const r = perRuleAny.get(l.rule) ?? { right: 0, wrong: 0 };
      if (truth.has(l.organizationId)) r.right++;
      else r.wrong++;
      perRuleAny.set(l.rule, r);
    }
  }
}

const pct = (n: number, d: number): string => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(1)}%`);
console.log(
  formatTable(
    ['measure', 'value', 'target'],
    [
      ['citations (deduplicated)', citations.length, ''],
      ['address strings', addressCount, ''],
      ['parsed into an organization', `${parsed} (${pct(parsed, addressCount)})`, '≥ 95%'],
      ['naming a country', naming, ''],
      ['… with the country read', `${withCountry} (${pct(withCountry, naming)})`, ''],
      ['organizations (key, country)', allOrgs.size, ''],
      [
        `organizations with ≥ 1 person (explicit or inferred ≥ ${threshold})`,
        `${orgsWithPerson.size} (${pct(orgsWithPerson.size, allOrgs.size)})`,
        '≥ 80%',
      ],
      ['authors on citations with addresses', authorsOnAddressed.size, ''],
      [
        '… linked to ≥ 1 organization',
        `${authorsLinked.size} (${pct(authorsLinked.size, authorsOnAddressed.size)})`,
        '≥ 70%',
      ],
      ['explicit (author, citation, organization) links', explicitLinks, ''],
      ['labelled (author, citation) pairs, > 1 author', `${labelled} (${hidden} hidden links)`, ''],
      [
        `inferred precision at ${threshold}`,
        `${pct(truePositive, truePositive + falsePositive)} (${truePositive}/${truePositive + falsePositive})`,
        '≥ 95%',
      ],
      [`inferred recall at ${threshold}`, `${pct(truePositive, hidden)} (${truePositive}/${hidden})`, ''],
    ],
  ),
);
console.log('');
console.log(
  formatTable(
    ['rule', 'links proposed', `≥ ${threshold}`, 'labelled right/wrong (any confidence)', 'precision'],
    [...ruleCounts.entries()]
      .sort((a, b) => b[1].all - a[1].all)
      .map(([rule, r]) => {
        const p = perRuleAny.get(rule) ?? { right: 0, wrong: 0 };
        return [rule, r.all, r.kept, `${p.right}/${p.wrong}`, pct(p.right, p.right + p.wrong)];
      }),
  ),
);

const sample = Number(values.sample);
if (sample > 0) {
  // A seeded shuffle, so the same command shows the same sample.
  let seed = Number(values.seed) || 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pool = [...allAddresses];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as ParsedAddress, pool[i] as ParsedAddress];
  }
  console.log(`\nsample of ${sample} parsed addresses (seed ${values.seed}):`);
  for (const a of pool.slice(0, sample)) {
    console.log(`\n${a.raw}`);
    for (const o of a.organizations)
      console.log(
        `  org: ${o.name} [${o.kind}]${o.units.length ? ` units: ${o.units.map((u) => u.name).join(' < ')}` : ''}`,
      );
    console.log(
      `  street: ${a.street ?? '-'} | city: ${a.city ?? '-'} | region: ${a.region ?? '-'} | postcode: ${a.postalCode ?? '-'} | country: ${a.country ? `${a.country.code} ${a.country.name}` : '-'}${a.authorNames.length ? ` | names: ${a.authorNames.join('; ')}` : ''}`,
    );
  }
}

const unlinkedSample = Number(values.unlinked);
if (unlinkedSample > 0) {
  // Why each organization without a person has none: the strongest rule proposed for it, and the
  // shape of the records naming it.
  const names = new Map<string, string>();
  const namedBy = new Map<string, Citation[]>();
  for (const c of citations)
    c.addresses.forEach((a, i) => {
      for (const [j, o] of (c.orgsByAffiliation[i] ?? []).entries()) {
        if (!names.has(o)) names.set(o, a.organizations[j]?.name ?? o);
        const list = namedBy.get(o) ?? [];
        if (!list.includes(c)) list.push(c);
        namedBy.set(o, list);
      }
    });
  const unlinked = [...allOrgs].filter((o) => !orgsWithPerson.has(o)).sort();
  const why = (o: string): string => {
    const best = bestProposed.get(o);
    return best ? `${best.rule} ${best.confidence}` : 'nothing proposed';
  };
  const tally = (key: (o: string) => string) => {
    const counts = new Map<string, number>();
    for (const o of unlinked) counts.set(key(o), (counts.get(key(o)) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1]);
  };
  console.log(`\n${unlinked.length} organizations without a person, by the strongest link proposed:`);
  console.log(
    formatTable(
      ['strongest proposal', 'organizations'],
      tally((o) => why(o).replace(/ [\d.]+$/, '')),
    ),
  );
  console.log('');
  console.log(
    formatTable(
      ['source file (format)', 'organizations'],
      tally((o) => {
        const s = namedBy.get(o)?.[0]?.source;
        return s ? `${s.file} (${s.format})` : '?';
      }).slice(0, 15),
    ),
  );
  let seed = Number(values.seed) || 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const pool = [...unlinked];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pool[i], pool[j]] = [pool[j] as string, pool[i] as string];
  }
  console.log(`\nsample of ${unlinkedSample} organizations without a person (seed ${values.seed}):`);
  for (const o of pool.slice(0, unlinkedSample)) {
    console.log(`\n${names.get(o)} [${o}] — ${why(o)}`);
    for (const c of (namedBy.get(o) ?? []).slice(0, 2)) {
      console.log(
        `  ${c.source.file} (${c.source.format}) | ${c.source.shape || 'no author/address tags'} | ${c.authors.length} authors, ${c.addresses.length} addresses`,
      );
      for (const a of c.addresses.slice(0, 4)) console.log(`    AD ${a.raw.slice(0, 160)}`);
    }
  }
}

if (values.database) {
  // What the API returns by default: every file ingested as `bibgraph ingest` would (format
  // detected, citations and authors deduplicated by the ingest's own rules), then, for every
  // organization, `Organization.people` at the default threshold.
  const handle = await openDatabase({ databaseUrl: null, dataDir: 'memory://' });
  try {
    for (const file of files) {
      await ingestRis(handle.db, readFileSync(file), { source: relative(folder, file), offThread: false });
    }
    const orgIds = rowsOf<{ id: number }>(
      await handle.db.execute(sql`select o.id from organizations o where o.parent_id is null
        and exists (select 1 from affiliation_organizations ao where ao.organization_id = o.id)`),
    ).map((r) => r.id);
    const people = await organizationPeople(
      handle.db,
      orgIds.map((id) => ({ organizationId: id, minConfidence: threshold, offset: 0, limit: 1 })),
    );
    const withPerson = people.filter((p) => p.total > 0).length;
    const [authorRow] = rowsOf<{ on_addressed: number; linked: number }>(
      await handle.db.execute(sql`with addressed as (
          select distinct k.author_id from contributions k
          where k.role = 'author' and exists (select 1 from citation_affiliations ca
            join affiliation_organizations ao on ao.affiliation_id = ca.affiliation_id and ao.depth = 0
            where ca.citation_id = k.citation_id))
        select (select count(*)::int from addressed) as on_addressed,
          (select count(distinct l.author_id)::int from author_organizations l
            where l.confidence >= ${threshold} and l.author_id in (select author_id from addressed)) as linked`),
    );
    console.log(`\nin the database (ingested, as the API returns it by default, threshold ${threshold}):`);
    console.log(
      formatTable(
        ['measure', 'value', 'target'],
        [
          ['organizations (top level, named by an address)', orgIds.length, ''],
          [
            'organizations with ≥ 1 person (Organization.people)',
            `${withPerson} (${pct(withPerson, orgIds.length)})`,
            '≥ 80%',
          ],
          ['authors on citations with addresses', authorRow?.on_addressed ?? 0, ''],
          [
            '… linked to ≥ 1 organization',
            `${authorRow?.linked ?? 0} (${pct(authorRow?.linked ?? 0, authorRow?.on_addressed ?? 0)})`,
            '≥ 70%',
          ],
        ],
      ),
    );
  } finally {
    await handle.close();
  }
}
