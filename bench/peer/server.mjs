// PostGraphile 5 (amber preset) on bibgraph's own tables, for bench/query.ts only. Run with the
// Node 22 binary of this folder:  node server.mjs <database-url> <port>
// Prints "listening <port>" once it serves. Defaults only: no plugins, no tuning beyond the pool
// size, which matches bibgraph's read pool (10) so both meet PostgreSQL with the same connections.
import { createServer } from 'node:http';
import pg from 'pg';
import { postgraphile } from 'postgraphile';
import { makePgService } from 'postgraphile/adaptors/pg';
import { grafserv } from 'postgraphile/grafserv/node';
import { PostGraphileAmberPreset } from 'postgraphile/presets/amber';

const [connectionString, portText] = process.argv.slice(2);
const port = Number(portText);
const pool = new pg.Pool({ connectionString, max: 10 });
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ pool, schemas: ['public'] })],
  grafserv: { port, graphqlPath: '/graphql', watch: false, graphiql: false },
  grafast: { explain: false },
};
const pgl = postgraphile(preset);
const serv = pgl.createServ(grafserv);
const server = createServer();
server.keepAliveTimeout = 120_000;
await serv.addTo(server);
await pgl.getSchema();
server.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
const stop = async () => {
  server.close();
  await pgl.release();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
