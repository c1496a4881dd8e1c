import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

export interface Change {
  /** Token name, `loopback` or `cli`. */
  actor: string;
  /** Mutation or command name. */
  action: string;
  /** Typed ids (`Citation:3`) of what changed, the main subject first. */
  subjects: string[];
  before: unknown;
  after: unknown;
}

/** Appends one entry; call it inside the transaction that makes the change, so both commit or neither. */
export async function recordChange(tx: Database, change: Change): Promise<void> {
  await tx.insert(auditLog).values({
    actor: change.actor,
    action: change.action,
    subjects: [...new Set(change.subjects)],
    before: change.before ?? null,
    after: change.after ?? null,
  });
}

export const subjectId = (kind: string, id: number) => `${kind}:${id}`;
