import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { DryMongoBinary, MongoMemoryReplSet } from 'mongodb-memory-server';

/**
 * Finds the MongoDB the contract runs against: MONGODB_URI when set, else a one-node replica set
 * from mongodb-memory-server. Only "no binary can be had" (none cached, and none can be
 * downloaded for this machine) is a reason to skip; any other failure to start a server is a
 * failure of the run, thrown from here.
 */

export interface MongoTarget {
  uri: string;
  source: string;
  stop(): Promise<void>;
}

const DOWNLOAD_PROBE_MS = 3_000;
const START_WITH_DOWNLOAD_MS = 180_000;
const START_CACHED_MS = 60_000;

/** mongodb-memory-server's errors that mean it has no mongod binary and cannot get one. */
const NO_BINARY_ERRORS = new Set(['DownloadError', 'BinaryNotFoundError', 'UnknownPlatformError', 'UnknownArchitectureError', 'UnknownLinuxDistro', 'UnknownVersionError', 'Md5CheckFailedError']);
/** Network errors of the download itself. */
const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether a mongodb-memory-server start-up error only says that no binary can be had. */
export function isNoBinaryError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (NO_BINARY_ERRORS.has(error.constructor.name) || NO_BINARY_ERRORS.has(error.name)) return true;
  return NETWORK_CODES.has(String((error as NodeJS.ErrnoException).code));
}

/** A usable MongoDB, or the reason no binary can be had. Throws on any other failure. */
export async function findMongo(): Promise<MongoTarget | string> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) return { uri: fromEnv, source: 'MONGODB_URI', stop: async () => undefined };

  const cached = await cachedBinary();
  if (!cached) {
    const unreachable = await downloadUnreachable();
    if (unreachable) {
      return `no MONGODB_URI, no cached mongod binary for mongodb-memory-server, and its download host is unreachable (${unreachable}); set MONGODB_URI to a MongoDB replica set to run it`;
    }
  }
  // One retry at most: the default backs off for several seconds between attempts.
  process.env.MONGOMS_MAX_RETRIES ??= '1';
  const limit = cached ? START_CACHED_MS : START_WITH_DOWNLOAD_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const replSet = await Promise.race([
      MongoMemoryReplSet.create({ replSet: { count: 1 } }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`mongodb-memory-server did not start within ${limit / 1000} s`)), limit);
      }),
    ]);
    return { uri: replSet.getUri(), source: 'mongodb-memory-server (1-node replica set)', stop: () => replSet.stop({ doCleanup: true }).then(() => undefined) };
  } catch (error) {
    if (isNoBinaryError(error)) return `mongodb-memory-server has no mongod binary and cannot get one: ${firstLine(error)}`;
    throw new Error(`mongodb-memory-server failed for another reason than a missing binary: ${firstLine(error)}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

async function cachedBinary(): Promise<string | undefined> {
  if (process.env.MONGOMS_SYSTEM_BINARY && existsSync(process.env.MONGOMS_SYSTEM_BINARY)) return process.env.MONGOMS_SYSTEM_BINARY;
  try {
    return await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
  } catch {
    return undefined;
  }
}

/**
 * Whether the host mongodb-memory-server downloads from answers a TCP connection: null when it
 * does (or a proxy is configured, which the downloader uses and this probe cannot), else why not.
 */
async function downloadUnreachable(): Promise<string | null> {
  if (process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy) return null;
  let url: URL;
  try {
    url = new URL(process.env.MONGOMS_DOWNLOAD_URL ?? process.env.MONGOMS_DOWNLOAD_MIRROR ?? 'https://fastdl.mongodb.org');
  } catch {
    return null;
  }
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: DOWNLOAD_PROBE_MS });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`${url.hostname}:${port}: no answer within ${DOWNLOAD_PROBE_MS / 1000} s`));
    socket.once('error', (error: NodeJS.ErrnoException) => done(`${url.hostname}:${port}: ${error.code ?? error.message}`));
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
