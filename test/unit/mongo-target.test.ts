import { errors } from 'mongodb-memory-server';
import { describe, expect, it } from 'vitest';
import { isNoBinaryError } from '../contract/mongo-target.ts';

describe('Which mongodb-memory-server failures skip the MongoDB contract', () => {
  it('given a failed or impossible download, then it counts as "no binary can be had" (skip)', () => {
    expect(isNoBinaryError(new errors.DownloadError('https://fastdl.mongodb.org/x.tgz', 'Status Code is 403'))).toBe(true);
    expect(isNoBinaryError(new errors.BinaryNotFoundError('/nowhere/mongod'))).toBe(true);
    expect(isNoBinaryError(new errors.UnknownPlatformError('sunos'))).toBe(true);
    expect(isNoBinaryError(Object.assign(new Error('getaddrinfo ENOTFOUND fastdl.mongodb.org'), { code: 'ENOTFOUND' }))).toBe(true);
  });

  it('given a binary that fails to start, a timeout or anything else, then it is a failure of the run', () => {
    expect(isNoBinaryError(new errors.StartBinaryFailedError('/cache/mongod'))).toBe(false);
    expect(isNoBinaryError(new errors.WaitForPrimaryTimeoutError(10_000))).toBe(false);
    expect(isNoBinaryError(new Error('mongodb-memory-server did not start within 60 s'))).toBe(false);
    expect(isNoBinaryError('not an error')).toBe(false);
  });
});
