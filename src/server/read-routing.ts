import { type ExecutionResult, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Database, DatabaseHandle } from '../db/client.ts';
import { replicaFailure } from '../db/replicas.ts';
import type { Context } from '../schema/context.ts';
import { guardDatabase, sameRequestOn } from './cancellation.ts';

/**
 * Sends each query to one streaming replica (DATABASE_REPLICA_URLS) for all its statements.
 * Mutations never move: their writes, and the payload read after them, run on the primary, so
 * a mutation always shows its own write (read-your-writes), whatever a replica's lag.
 *
 * A query whose replica stops answering is run again on the primary, and that replica is
 * skipped until a probe finds it back (src/db/replicas.ts); running a query twice is safe, it
 * changes nothing. Tests that pass their own database (a transaction) are left alone.
 */
export function readRoutingPlugin(database: DatabaseHandle): Plugin<Context> {
  const replicas = database.replicas;
  if (!replicas) return {};
  return {
    onExecute({ args, executeFn, setExecuteFn, extendContext }) {
      if (args.contextValue.db !== database.db) return;
      if (getOperationAST(args.document, args.operationName ?? undefined)?.operation !== 'query') return;
      const replica = replicas.pick();
      if (!replica) return;
      extendContext({ db: replica.db as Database });
      setExecuteFn(async (execArgs) => {
        const result = (await executeFn(execArgs)) as ExecutionResult | AsyncIterable<ExecutionResult>;
        // Incremental delivery (@defer/@stream) has already sent its first part: it stays as it is.
        if (Symbol.asyncIterator in result) return result;
        const failure = firstReplicaFailure(result);
        if (!failure) return result;
        if (failure.kind === 'down') replicas.markDown(replica, `failed a read (${failure.code})`);
        // A new context object: per-request caches (Pothos' client, loaders) are keyed by the
        // context and would hand the replica out again.
        guardDatabase(database.db);
        const db = sameRequestOn(execArgs.contextValue.db, database.db);
        return executeFn({ ...execArgs, contextValue: { ...execArgs.contextValue, db } });
      });
    },
  };
}

function firstReplicaFailure(result: ExecutionResult) {
  for (const error of result.errors ?? []) {
    const failure = replicaFailure(error);
    if (failure) return failure;
  }
  return null;
}

/** Where a read outside GraphQL (/export) runs: a replica that is up, else the primary. */
export function readDatabase(database: DatabaseHandle): Database {
  return database.replicas?.pick()?.db ?? database.db;
}
