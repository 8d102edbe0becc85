import { afterAll, describe } from 'vitest';
import { startMingoMongo } from '../support/mingo-mongo.ts';
import { describeMongoStoreSuites } from './mongo-suites.ts';

/**
 * Every MongoDB contract case (mongo-suites.ts, as mongo-store.test.ts runs them on MongoDB)
 * against the stand-in server of test/support/mingo-mongo.ts: the real store, mongoose and
 * driver, on a server that answers with mingo. It runs where no MongoDB can be had, so the
 * store's commands always meet a server; passing here is not passing on MongoDB (the stand-in
 * has no snapshot isolation or write conflicts), which mongo-store.test.ts checks where one runs.
 */

const server = await startMingoMongo({ setName: 'rs0' });
afterAll(() => server.stop());

describe('MongoDB store on the mingo stand-in server (not a MongoDB)', () => {
  describeMongoStoreSuites(() => server.uri);
});
