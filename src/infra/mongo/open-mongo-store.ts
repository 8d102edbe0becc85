import type { Logger } from '../../ports/logger.ts';
import type { Store } from '../../ports/store/index.ts';
import { DEFAULT_SERVER_SELECTION_TIMEOUT_MS, describeMongoUri, mongoHosts, withoutCredentials } from './connection.ts';
import { isUnavailableError } from './errors.ts';
import { MongoStore } from './mongo-store.ts';

export interface OpenMongoStoreOptions {
  serverSelectionTimeoutMS?: number;
  /** MONGODB_ALLOW_STANDALONE: accept a server without transactions (weaker guarantees, logged at warn). */
  allowStandalone?: boolean;
  /** Memory bound of the in-memory course catalogs (CATALOG_CACHE_MB); 0 turns them off. */
  catalogCacheBytes?: number;
}

/** What a standalone server gives up; logged at warn when MONGODB_ALLOW_STANDALONE accepts it (docs/guarantees.md, MongoDB section). */
export const STANDALONE_LIMITS = [
  'an enrollment or rating and its course figures are two writes: a crash between them leaves the figures off by one until the next recompute',
  'a recompute that lands between those two writes can leave the figures off by one until the next recompute',
  "a crash between a course write and its community's catalog version change leaves other processes' in-memory catalog of that community without the write until its next change",
] as const;

/**
 * Opens the MongoDB store for `syllabot start|worker|console`. A server that cannot be reached
 * (or refuses the credentials) gives one Error whose message names the host and what to check;
 * main prints that message alone, without a stack trace. The credentials never appear.
 */
export async function openMongoStore(uri: string, logger: Logger, options: OpenMongoStoreOptions = {}): Promise<Store> {
  const where = describeMongoUri(uri);
  const timeout = options.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS;
  let store: MongoStore;
  try {
    store = await MongoStore.connect({ uri, logger, serverSelectionTimeoutMS: timeout, ...(options.catalogCacheBytes === undefined ? {} : { catalogCacheBytes: options.catalogCacheBytes }) });
  } catch (error) {
    throw new Error(startupFailure(uri, timeout, error), { cause: error });
  }
  if (!store.transactions && !options.allowStandalone) {
    await store.close().catch(() => undefined);
    throw new Error(standaloneRefusal(uri));
  }
  if (!store.transactions) logger.warn({ store: 'mongo', uri: where, limits: STANDALONE_LIMITS }, 'MongoDB is a standalone server (MONGODB_ALLOW_STANDALONE=true): weaker guarantees, see docs/guarantees.md');
  logger.info(
    { store: 'mongo', uri: where, database: store.connection.name, transactions: store.transactions ? 'yes (replica set)' : 'no (standalone server, accepted by MONGODB_ALLOW_STANDALONE)' },
    'using the MongoDB store',
  );
  return store;
}

const AUTH_FAILED = 18;

/** The one-paragraph start-up error: where, why, and what to do. */
export function startupFailure(uri: string, timeoutMs: number, error: unknown): string {
  const hosts = mongoHosts(uri);
  const reason = withoutCredentials(firstLine(error), uri);
  if ((error as { code?: unknown } | null)?.code === AUTH_FAILED) {
    return `MongoDB at ${hosts} refused the user name or password in MONGODB_URI (${reason}).`;
  }
  if (isUnavailableError(error)) {
    return `Cannot reach MongoDB at ${hosts} within ${timeoutMs} ms (${reason}). Check MONGODB_URI and that the server is running, or unset MONGODB_URI to use the embedded SQLite store.`;
  }
  return `MongoDB at ${hosts} could not be prepared for Syllabot (${reason}).`;
}

/** The one-line refusal of a standalone server, saying how to make a one-node replica set. */
export function standaloneRefusal(uri: string): string {
  return (
    `MongoDB at ${mongoHosts(uri)} is a standalone server, and Syllabot needs a replica set for its transactions: ` +
    `start mongod with --replSet rs0, run rs.initiate() once in mongosh, and add replicaSet=rs0 to MONGODB_URI ` +
    `(a one-node replica set is enough; docker-compose.yml runs one), or set MONGODB_ALLOW_STANDALONE=true to accept weaker guarantees.`
  );
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').trim() || (error instanceof Error ? error.name : 'unknown error');
}
