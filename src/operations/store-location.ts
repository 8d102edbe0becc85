import { resolve } from 'node:path';
import type { Store } from '../ports/store/index.ts';
import type { StoreTransfer } from '../ports/store/transfer.ts';
import { SqliteStore } from '../infra/sqlite/sqlite-store.ts';
import { describeMongoUri } from '../infra/mongo/connection.ts';

/** Where a store lives, as operators write it on the command line. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'mongo'; uri: string };

/** `sqlite:PATH` (or a path ending in .sqlite/.db) or a `mongodb://` / `mongodb+srv://` URI; null otherwise. */
export function parseStoreLocation(text: string): StoreLocation | null {
  const value = text.trim();
  if (/^mongodb(\+srv)?:\/\/\S+$/.test(value)) return { kind: 'mongo', uri: value };
  if (value.startsWith('sqlite:') && value.length > 'sqlite:'.length) return { kind: 'sqlite', path: resolve(value.slice('sqlite:'.length)) };
  if (/\.(sqlite3?|db)$/i.test(value)) return { kind: 'sqlite', path: resolve(value) };
  return null;
}

/** For messages: the SQLite path or the MongoDB host and database, never credentials. */
export function describeLocation(location: StoreLocation): string {
  return location.kind === 'sqlite' ? `sqlite:${location.path}` : describeMongoUri(location.uri);
}

export interface OpenedStore {
  store: Store;
  transfer: StoreTransfer;
  close(): Promise<void>;
}

/** Opens a store (creating an empty SQLite file or MongoDB collections as needed) with its transfer port. */
export async function openLocation(location: StoreLocation): Promise<OpenedStore> {
  if (location.kind === 'sqlite') {
    const store = SqliteStore.open({ path: location.path });
    return { store, transfer: store.transfer(), close: () => store.close() };
  }
  const { MongoStore } = await import('../infra/mongo/mongo-store.ts');
  const store = await MongoStore.connect({ uri: location.uri, serverSelectionTimeoutMS: 10_000 });
  return { store, transfer: store.transfer(describeLocation(location)), close: () => store.close() };
}
