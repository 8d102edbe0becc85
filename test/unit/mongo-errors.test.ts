import mongoose from 'mongoose';
import { describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/domain/errors.ts';
import { isDuplicateKeyError, isUnavailableError, retryOnDuplicateKey, toStoreError } from '../../src/infra/mongo/errors.ts';
import { describeMongoUri, mongoHosts, supportsTransactions, withoutCredentials } from '../../src/infra/mongo/connection.ts';
import { startupFailure } from '../../src/infra/mongo/open-mongo-store.ts';

const { MongoServerError, MongoNetworkError, MongoNetworkTimeoutError, MongoServerSelectionError, MongoBulkWriteError, MongoTopologyClosedError, MongoNotConnectedError } = mongoose.mongo;

const duplicateKey = () => new MongoServerError({ message: 'E11000 duplicate key error collection: test.ratings index: rating_key', code: 11000 });

describe('MongoDB error mapping: duplicate keys', () => {
  it('given E11000 (plain or in a bulk write), when checked, then a duplicate key; others not', () => {
    expect(isDuplicateKeyError(duplicateKey())).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ message: 'old', code: 11001 }))).toBe(true);
    const bulk = new MongoBulkWriteError({ message: 'bulk', code: 11000, writeErrors: [{ code: 11000, index: 0, errmsg: 'E11000' }] } as never, {
      insertedCount: 0,
      matchedCount: 0,
      modifiedCount: 0,
      deletedCount: 0,
      upsertedCount: 0,
      insertedIds: {},
      upsertedIds: {},
    } as never);
    expect(isDuplicateKeyError(bulk)).toBe(true);
    expect(isDuplicateKeyError({ writeErrors: [{ code: 121 }, { code: 11000 }] })).toBe(true);
    expect(isDuplicateKeyError(new MongoServerError({ message: 'validation', code: 121 }))).toBe(false);
    expect(isDuplicateKeyError(new Error('E11000 in a message only'))).toBe(false);
    expect(isDuplicateKeyError(null)).toBe(false);
  });

  it('given a writer that loses a unique-key race once, when retried, then the second attempt answers', async () => {
    const attempts: number[] = [];
    const result = await retryOnDuplicateKey(async (attempt) => {
      attempts.push(attempt);
      if (attempt === 1) throw duplicateKey();
      return 'read back';
    });
    expect(result).toBe('read back');
    expect(attempts).toEqual([1, 2]);
  });

  it('given collisions every time or another error, when retried, then it gives up after 3 or at once', async () => {
    let calls = 0;
    await expect(
      retryOnDuplicateKey(async () => {
        calls++;
        throw duplicateKey();
      }),
    ).rejects.toMatchObject({ code: 11000 });
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retryOnDuplicateKey(async () => {
        calls++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
  });
});

describe('MongoDB error mapping: unavailability', () => {
  it('given network, selection, topology and shutdown errors, when mapped, then unavailable, cause kept', () => {
    const stepDown = new MongoServerError({ message: 'not primary', code: 10107 });
    const shutdown = new MongoServerError({ message: 'shutting down', code: 91 });
    const transient = new MongoServerError({ message: 'write conflict', code: 112 });
    transient.addErrorLabel('TransientTransactionError');
    const causes = [
      new MongoNetworkError('connection reset'),
      new MongoNetworkTimeoutError('timed out'),
      new MongoServerSelectionError('Server selection timed out after 5000 ms', { type: 'Unknown' } as never),
      new MongoTopologyClosedError(),
      new MongoNotConnectedError('Client must be connected'),
      new mongoose.Error.MongooseServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017'),
      new mongoose.Error('Operation `courses.find()` buffering timed out after 10000ms'),
      stepDown,
      shutdown,
      transient,
    ];
    for (const cause of causes) {
      const mapped = toStoreError(cause);
      expect(mapped, cause.name).toBeInstanceOf(StorageUnavailableError);
      expect((mapped as Error).cause).toBe(cause);
    }
  });

  it('given errors the member or the code caused, when mapped, then they pass through unchanged', () => {
    const validation = new mongoose.Error.ValidationError();
    const cast = new mongoose.Error.CastError('ObjectId', 'nope', '_id');
    for (const error of [new Error('course 1 does not exist'), new RangeError('stars'), duplicateKey(), validation, cast, new MongoServerError({ message: 'bad', code: 2 })]) {
      expect(toStoreError(error)).toBe(error);
      expect(isUnavailableError(error)).toBe(false);
    }
    const already = new StorageUnavailableError();
    expect(toStoreError(already)).toBe(already);
    expect(toStoreError('a string')).toBe('a string');
  });
});

describe('MongoDB connection helpers', () => {
  it('given hello replies, when asked about transactions, then only replica sets and mongos', () => {
    expect(supportsTransactions({ setName: 'rs0', logicalSessionTimeoutMinutes: 30 })).toBe(true);
    expect(supportsTransactions({ msg: 'isdbgrid', logicalSessionTimeoutMinutes: 30 })).toBe(true);
    expect(supportsTransactions({ isWritablePrimary: true, logicalSessionTimeoutMinutes: 30 })).toBe(false);
    expect(supportsTransactions({ setName: 'rs0' })).toBe(false);
  });

  it('given URIs with credentials and hosts, when described, then hosts and db stay, secrets not', () => {
    expect(describeMongoUri('mongodb://alice:s3cret@db.example:27017/syllabot?authSource=admin')).toBe('mongodb://db.example:27017/syllabot');
    expect(describeMongoUri('mongodb://alice:s3cret@h1:27017,h2:27018/syllabot?replicaSet=rs0')).toBe('mongodb://h1:27017,h2:27018/syllabot');
    expect(describeMongoUri('mongodb+srv://alice:s3cret@cluster0.example.net/syllabot')).toBe('mongodb+srv://cluster0.example.net/syllabot');
    expect(mongoHosts('mongodb://alice:s3cret@h1:27017,h2:27018/x')).toBe('h1:27017,h2:27018');
    expect(mongoHosts('mongodb://mongo/syllabot')).toBe('mongo');
    expect(withoutCredentials('auth failed for alice with s3cret%21 or s3cret!', 'mongodb://alice:s3cret%21@h/x')).toBe('auth failed for [redacted] with [redacted] or [redacted]');
  });

  it('given start-up failures, when described, then one sentence: host, cause, next step', () => {
    const uri = 'mongodb://alice:s3cret@db.example:27017/syllabot';
    const unreachable = startupFailure(uri, 5000, new mongoose.Error.MongooseServerSelectionError('getaddrinfo ENOTFOUND db.example\n    at stack frames'));
    expect(unreachable).toBe(
      'Cannot reach MongoDB at db.example:27017 within 5000 ms (getaddrinfo ENOTFOUND db.example). Check MONGODB_URI and that the server is running, or unset MONGODB_URI to use the embedded SQLite store.',
    );
    const auth = startupFailure(uri, 5000, new MongoServerError({ message: 'Authentication failed.', code: 18 }));
    expect(auth).toBe('MongoDB at db.example:27017 refused the user name or password in MONGODB_URI (Authentication failed.).');
    const other = startupFailure(uri, 5000, new Error('index build failed: E11000 for alice'));
    expect(other).toBe('MongoDB at db.example:27017 could not be prepared for Syllabot (index build failed: E11000 for [redacted]).');
    for (const text of [unreachable, auth, other]) expect(text).not.toContain('s3cret');
  });
});
