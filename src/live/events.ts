import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { GraphChange, GraphChangeBatch } from '../db/changes.ts';
import { SubscriptionLimitError } from '../errors.ts';
import type { IngestionUpdate } from '../ingest/background.ts';

/**
 * Where subscriptions get their events: graph changes after each commit and the progress of
 * background ingestions. In this process by default; through Redis pub/sub when REDIS_URL is set,
 * so a subscriber on any instance hears what every instance publishes (see docs/live-updates.md
 * for why Redis and not LISTEN/NOTIFY).
 */
export interface LiveEvents {
  readonly kind: 'memory' | 'redis';
  publishChanges(batch: GraphChangeBatch): void;
  publishProgress(update: IngestionUpdate): void;
  changes(): AsyncIterable<GraphChangeBatch>;
  progress(id: number): AsyncIterable<IngestionUpdate>;
  /**
   * Takes one of `client`'s subscription slots (a token's name or an IP address); past the limit a
   * SubscriptionLimitError. The returned function gives the slot back.
   */
  openSubscription(client: string): () => void;
  /** Subscriptions open on this instance, and listeners registered on the event target. */
  counts(): { subscriptions: number; listeners: number };
  close(): Promise<void>;
}

export interface LiveEventsOptions {
  /** redis://… to share events between instances; null keeps them in this process. */
  redisUrl: string | null;
  /** Prefix of every Redis channel (BIBGRAPH_REDIS_PREFIX; tests use one per run). */
  prefix?: string;
  /** Subscriptions one client may hold open on this instance (BIBGRAPH_MAX_SUBSCRIPTIONS). */
  maxPerClient: number;
}

/** Changes per published message: an ingest of 50,000 records is several messages, not one huge one. */
const CHANGES_PER_MESSAGE = 1_000;

type Topics = {
  [topic: string]: [GraphChangeBatch | IngestionUpdate];
};

/** An event target that counts its listeners, so tests can see a disconnected client let go. */
function counting<T extends EventTarget | ReturnType<typeof createRedisEventTarget>>(
  target: T,
  count: { listeners: number },
): T {
  return {
    addEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      if (listener) count.listeners++;
      target.addEventListener(type, listener as never);
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null) {
      if (listener) count.listeners--;
      target.removeEventListener(type, listener as never);
    },
    dispatchEvent: (event: Event) => target.dispatchEvent(event as never),
  } as T;
}

export function createLiveEvents(options: LiveEventsOptions): LiveEvents {
  const prefix = options.prefix ?? 'bibgraph:';
  const count = { listeners: 0, subscriptions: 0 };
  const perClient = new Map<string, number>();
  let clients: Redis[] = [];
  let target: EventTarget | ReturnType<typeof createRedisEventTarget>;
  if (options.redisUrl) {
    // A subscribing Redis connection can do nothing else, so publishing needs a second one.
    const connect = () => {
      const redis = new Redis(options.redisUrl as string, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
      let warned = false;
      redis.on('error', (error: Error) => {
        if (warned) return;
        warned = true;
        console.error(`bibgraph: Redis at REDIS_URL is unavailable for live events (${error.message})`);
      });
      redis.on('ready', () => {
        warned = false;
      });
      return redis;
    };
    clients = [connect(), connect()];
    target = createRedisEventTarget({
      publishClient: clients[0] as Redis,
      subscribeClient: clients[1] as Redis,
    });
  } else {
    target = new EventTarget();
  }
  const pubsub = createPubSub<Topics>({ eventTarget: counting(target, count) as never });
  const changesTopic = `${prefix}graph-changed`;
  const progressTopic = (id: number) => `${prefix}ingestion:${id}`;
  return {
    kind: options.redisUrl ? 'redis' : 'memory',
    publishChanges(batch) {
      for (let i = 0; i < batch.changes.length; i += CHANGES_PER_MESSAGE) {
        pubsub.publish(changesTopic, { ...batch, changes: batch.changes.slice(i, i + CHANGES_PER_MESSAGE) });
      }
    },
    publishProgress(update) {
      pubsub.publish(progressTopic(update.id), update);
    },
    changes: () => pubsub.subscribe(changesTopic) as AsyncIterable<GraphChangeBatch>,
    progress: (id) => pubsub.subscribe(progressTopic(id)) as AsyncIterable<IngestionUpdate>,
    openSubscription(client) {
      const held = perClient.get(client) ?? 0;
      if (held >= options.maxPerClient) {
        throw new SubscriptionLimitError(
          `This client already holds ${held} subscriptions on this server, the limit (BIBGRAPH_MAX_SUBSCRIPTIONS); end one first`,
          options.maxPerClient,
        );
      }
      perClient.set(client, held + 1);
      count.subscriptions++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        count.subscriptions--;
        const left = (perClient.get(client) ?? 1) - 1;
        if (left > 0) perClient.set(client, left);
        else perClient.delete(client);
      };
    },
    counts: () => ({ subscriptions: count.subscriptions, listeners: count.listeners }),
    async close() {
      for (const redis of clients) redis.disconnect();
    },
  };
}

/** Whether a change passes a subscriber's filter (every given list must contain its value). */
export function changeMatches(
  change: GraphChange,
  filter: {
    kinds?: readonly string[] | null;
    actions?: readonly string[] | null;
    ids?: ReadonlySet<string> | null;
  },
  globalId: string,
): boolean {
  if (filter.kinds?.length && !filter.kinds.includes(change.kind)) return false;
  if (filter.actions?.length && !filter.actions.includes(change.action)) return false;
  if (filter.ids?.size && !filter.ids.has(globalId)) return false;
  return true;
}
