import mongoose from 'mongoose';
import { StorageUnavailableError } from '../../domain/errors.ts';

/**
 * How driver and mongoose errors reach the core: "the server is out of reach right now" becomes
 * StorageUnavailableError (the member is told to try again), everything else stays as it is.
 */

const { MongoError, MongoNetworkError, MongoServerSelectionError, MongoTopologyClosedError, MongoNotConnectedError, MongoServerClosedError, MongoClientClosedError, MongoOperationTimeoutError } =
  mongoose.mongo;

/** Classes whose every instance means "no usable connection". Subclasses (timeouts, pool cleared) count too. */
const UNAVAILABLE_CLASSES: readonly (abstract new (...args: never[]) => Error)[] = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoNotConnectedError,
  MongoServerClosedError,
  MongoClientClosedError,
  MongoOperationTimeoutError,
  mongoose.Error.MongooseServerSelectionError,
];

/** Errors known by name only (not exported by the driver, or raised by another copy of it). */
const UNAVAILABLE_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoPoolClearedError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'MongoServerClosedError',
  'MongoClientClosedError',
  'MongoOperationTimeoutError',
]);

/**
 * Server error codes that mean a node is unreachable, stepping down or shutting down: the same
 * request succeeds once the replica set has a primary again.
 */
export const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

/** Mongoose's own wording when a model is used on a closed or never-opened connection. */
const UNAVAILABLE_MESSAGES = /buffering timed out|Connection was force closed|Client must be connected|connection .* closed|not connected/i;

/** Labels the server or driver attaches to errors that a retry later would get past. */
const RETRYABLE_LABELS = ['TransientTransactionError', 'RetryableWriteError', 'ResetPool'];

export const DUPLICATE_KEY_CODES: ReadonlySet<number> = new Set([11000, 11001]);

function codeOf(error: object): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** E11000: a unique index refused the write. Also found inside bulk-write results. */
export function isDuplicateKeyError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = codeOf(error);
  if (code !== undefined && DUPLICATE_KEY_CODES.has(code)) return true;
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  if (Array.isArray(writeErrors)) return writeErrors.some((w) => typeof w === 'object' && w !== null && DUPLICATE_KEY_CODES.has(codeOf(w) ?? 0));
  return false;
}

export function isUnavailableError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof StorageUnavailableError) return true;
  if (UNAVAILABLE_CLASSES.some((Class) => error instanceof Class)) return true;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  const code = codeOf(error);
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) return true;
  if (error instanceof MongoError && RETRYABLE_LABELS.some((label) => error.hasErrorLabel(label))) return true;
  if (error instanceof mongoose.Error && !(error instanceof mongoose.Error.CastError) && !(error instanceof mongoose.Error.ValidationError)) {
    return UNAVAILABLE_MESSAGES.test(error.message);
  }
  return false;
}

/** The error a store method rethrows: unavailability as the domain's error, the rest untouched. */
export function toStoreError(error: unknown): unknown {
  if (error instanceof StorageUnavailableError) return error;
  return isUnavailableError(error) ? new StorageUnavailableError(error) : error;
}

/**
 * Runs an upsert-like step again when a concurrent writer won the race for a unique key: the
 * second attempt finds the row the winner wrote. Three attempts are plenty; a fourth collision
 * means something else is wrong, and that error is thrown.
 */
export async function retryOnDuplicateKey<T>(work: (attempt: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts || !isDuplicateKeyError(error)) throw error;
    }
  }
}
