import postgres from 'postgres';

/**
 * A PostgreSQL database of the test's own, for tests that commit (concurrency, load) and count
 * rows exactly. Returns its URL and a function that drops it.
 */
export async function scratchDatabase(
  url: string,
  name: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const dbName = `${name}_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  const own = new URL(url);
  own.pathname = `/${dbName}`;
  return {
    url: own.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    },
  };
}
