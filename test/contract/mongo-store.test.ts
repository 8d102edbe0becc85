import { afterAll, describe } from 'vitest';
import { describeMongoUri } from '../../src/infra/mongo/connection.ts';
import { findMongo } from './mongo-target.ts';
import { describeMongoStoreSuites } from './mongo-suites.ts';

/**
 * The store contract against a real MongoDB: the server in MONGODB_URI when set, else a
 * single-node replica set from mongodb-memory-server (a replica set, so the transaction path
 * runs; the standalone path runs too, with transactions switched off).
 *
 * Where no MongoDB can be had (no MONGODB_URI, and mongodb-memory-server has no binary and
 * cannot download one), every case below is still registered, under describe.skip, so the run
 * reports each as skipped, and the reason is printed once. Any other failure to start a
 * server fails the run (see mongo-target.ts).
 */

const target = await findMongo();
const unavailable = typeof target === 'string' ? target : null;
if (unavailable) console.warn(`MongoDB store contract skipped (every case below): ${unavailable}`);
else if (typeof target !== 'string') {
  afterAll(() => target.stop());
  console.info(`MongoDB store contract running against ${target.source} (${describeMongoUri(target.uri)})`);
}

const suite = unavailable ? describe.skip : describe;

suite(unavailable ? `MongoDB store (skipped: ${unavailable})` : 'MongoDB store', () => {
  describeMongoStoreSuites(() => {
    if (typeof target === 'string') throw new Error(target);
    return target.uri;
  });
});
