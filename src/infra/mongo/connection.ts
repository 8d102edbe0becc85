import type { ConnectOptions } from 'mongoose';
import { describeUrl } from '../logger.ts';

/** How long to wait for a usable server, at start-up and for each operation during an outage. */
export const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 5_000;

export interface ConnectionSettings {
  /** Overrides the database named in the URI (the tests use one database per test). */
  dbName?: string;
  serverSelectionTimeoutMS?: number;
}

/**
 * Mongoose connection options. `bufferCommands: false` makes an operation during an outage fail
 * after server selection times out (and the member hears "try again") instead of queueing for
 * mongoose's ten seconds; the driver keeps monitoring the server and reconnects by itself.
 * Indexes and collections are created once at start-up, not lazily per model.
 */
export function connectionOptions(settings: ConnectionSettings = {}): ConnectOptions {
  return {
    serverSelectionTimeoutMS: settings.serverSelectionTimeoutMS ?? DEFAULT_SERVER_SELECTION_TIMEOUT_MS,
    bufferCommands: false,
    autoIndex: false,
    autoCreate: false,
    sanitizeFilter: true,
    // Pinned whatever the URI says: a secondary read could miss the member's own last write
    // (read-your-writes). These options take precedence over the URI's.
    readPreference: 'primary',
    appName: 'syllabot',
    ...(settings.dbName ? { dbName: settings.dbName } : {}),
  };
}

/**
 * Whether multi-document transactions are available: replica-set members report `setName`,
 * mongos routers report `msg: 'isdbgrid'`; both need logical sessions. A standalone server
 * has neither, and the store falls back to ordered single-document writes.
 */
export function supportsTransactions(hello: Readonly<Record<string, unknown>>): boolean {
  if (typeof hello.logicalSessionTimeoutMinutes !== 'number') return false;
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}

const MONGO_URI = /^(mongodb(?:\+srv)?):\/\/(?:([^@/?#]*)@)?([^/?#]*)([^?#]*)/;

/** The host list of a MongoDB URI (`h1:27017,h2:27017`), never the credentials. */
export function mongoHosts(uri: string): string {
  return MONGO_URI.exec(uri)?.[3] || '(unknown host)';
}

/**
 * A MongoDB URI fit for logs: scheme, hosts and database, no credentials, no options.
 * Multi-host URIs are not WHATWG URLs, so those are taken apart by hand.
 */
export function describeMongoUri(uri: string): string {
  const described = describeUrl(uri);
  if (described !== '(unparseable URL)') return described;
  const match = MONGO_URI.exec(uri);
  if (!match) return described;
  return `${match[1]}://${match[3]}${match[4] ?? ''}`;
}

/** Removes the URI's user name and password from a text (a driver message, say). */
export function withoutCredentials(text: string, uri: string): string {
  const userinfo = MONGO_URI.exec(uri)?.[2];
  if (!userinfo) return text;
  let clean = text.split(userinfo).join('[redacted]');
  for (const part of userinfo.split(':')) {
    if (part) clean = clean.split(part).join('[redacted]');
    const decoded = safeDecode(part);
    if (decoded && decoded !== part) clean = clean.split(decoded).join('[redacted]');
  }
  return clean;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
