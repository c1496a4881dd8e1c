import postgres from 'postgres';

/**
 * A PostgreSQL database of its own next to TEST_DATABASE_URL, for tests whose child processes
 * commit rows (tokens, ingests) that would change what other test files see in the shared one.
 * Named after the suite's database (`<suite>_<label>_<pid>`), so two suites sharing a server, each
 * with a database of its own, never take each other's scratch databases.
 */
export async function createScratchDatabase(
  url: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const suite = decodeURIComponent(new URL(url).pathname.slice(1)) || 'bibgraph';
  const name = `${suite}_${label}_${process.pid}`.slice(0, 63);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
