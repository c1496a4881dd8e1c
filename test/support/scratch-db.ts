import postgres from 'postgres';

/**
 * A PostgreSQL database of its own next to TEST_DATABASE_URL, for tests whose child processes
 * commit rows (tokens, ingests) that would change what other test files see in the shared one.
 */
export async function createScratchDatabase(
  url: string,
  label: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bibgraph_${label}_${process.pid}`;
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
