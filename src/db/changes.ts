/**
 * What a committed write changed in the graph, for `graphChanged` subscribers. Services note their
 * changes on the transaction they write in (`noteChanges`); the writers' gate hands them to its
 * commit listeners only once that transaction has committed (src/db/writers.ts), never before, and
 * drops them when it rolls back.
 */

/** Kinds of graph objects a change names. An enum that may grow; clients ignore kinds they do not know. */
export const CHANGED_KINDS = ['Citation', 'Author', 'Affiliation', 'Keyword', 'Organization'] as const;
export type ChangedKind = (typeof CHANGED_KINDS)[number];

export const CHANGE_ACTIONS = ['created', 'updated', 'merged', 'deleted'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export interface GraphChange {
  kind: ChangedKind;
  /** Row id of the object. */
  id: number;
  action: ChangeAction;
  /** For `merged`: the row id of the survivor it was merged into. */
  intoId?: number;
}

/** One committed write's changes, as published. */
export interface GraphChangeBatch {
  /** The mutation or job that wrote them (`ingestRis`, `mergeAuthors`, `startIngestion` …). */
  operation: string;
  /** When the transaction committed (ISO 8601). */
  committedAt: string;
  changes: GraphChange[];
}

const pending = new WeakMap<object, GraphChange[]>();

/** Starts collecting the changes noted on `tx`. */
export function openJournal(tx: object): GraphChange[] {
  const list: GraphChange[] = [];
  pending.set(tx, list);
  return list;
}

/**
 * Whether changes noted on `tx` are collected: only in a transaction of the writers' gate while
 * someone listens for commits (the server's subscriptions). The CLI has no listener, so a
 * million-record ingest keeps no list of the million citations it created.
 */
export function collectsChanges(tx: object): boolean {
  return pending.has(tx);
}

/**
 * Notes changes made in `tx`. Outside a transaction of the writers' gate (a test's own
 * transaction, which it may roll back), or while nobody listens for commits, nobody collects them,
 * and nothing is announced.
 */
export function noteChanges(tx: object, changes: Iterable<GraphChange>): void {
  const list = pending.get(tx);
  if (list) for (const change of changes) list.push(change);
}

/** `ids` of one kind, all with the same action. */
export function changesOf(kind: ChangedKind, action: ChangeAction, ids: Iterable<number>): GraphChange[] {
  return [...new Set(ids)].map((id) => ({ kind, id, action }));
}
