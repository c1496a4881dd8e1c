import { openDatabase } from '../../src/db/client.ts';
const h = await openDatabase({ databaseUrl: process.argv[2]!, dataDir: '' });
await h.close();
