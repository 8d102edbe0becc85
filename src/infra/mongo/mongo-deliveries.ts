import type { Collection } from 'mongoose';
import type { DeliveryClaim, DeliveryRecord, DeliveryRecords } from '../../ports/store/deliveries.ts';
import { isDuplicateKeyError, toStoreError } from './errors.ts';

interface DeliveryDoc {
  _id: string;
  state: 'pending' | 'sent';
  attempts: number;
  owner: string | null;
  leaseUntil: Date | null;
  sentAt: Date | null;
  updatedAt: Date;
}

/** Collection name of the delivery log. */
export const DELIVERIES = 'deliveries';

/**
 * The delivery log in MongoDB, one document per delivery keyed by its id. Every claim is one
 * atomic single-document write (an insert, or a conditional update), so no transaction is needed
 * and two processes never both hold a live claim.
 */
export class MongoDeliveries implements DeliveryRecords {
  constructor(private readonly collection: Collection<DeliveryDoc>) {}

  static async ensureIndexes(collection: Collection<DeliveryDoc>): Promise<void> {
    await collection.createIndex({ sentAt: 1 }, { name: 'deliveries_sent_at', partialFilterExpression: { state: 'sent' } });
  }

  claim(key: string, owner: string, leaseMs: number, now: Date): Promise<DeliveryClaim> {
    const leaseUntil = new Date(now.getTime() + leaseMs);
    return guard(async () => {
      try {
        await this.collection.insertOne({ _id: key, state: 'pending', attempts: 1, owner, leaseUntil, sentAt: null, updatedAt: now });
        return { kind: 'claimed', attempted: false };
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
      }
      const before = await this.collection.findOneAndUpdate(
        { _id: key, state: 'pending', $or: [{ owner: null }, { owner }, { leaseUntil: { $lte: now } }] },
        { $set: { owner, leaseUntil, updatedAt: now }, $inc: { attempts: 1 } },
        { returnDocument: 'before' },
      );
      if (before) return { kind: 'claimed', attempted: before.attempts > 0 };
      const current = await this.collection.findOne({ _id: key });
      if (!current) throw new Error(`delivery ${key} vanished while being claimed`);
      if (current.state === 'sent') return { kind: 'sent' };
      return { kind: 'busy', retryInMs: Math.max(1, (current.leaseUntil?.getTime() ?? now.getTime()) - now.getTime()) };
    });
  }

  renew(key: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    return guard(async () => {
      const result = await this.collection.updateOne({ _id: key, state: 'pending', owner }, { $set: { leaseUntil: new Date(now.getTime() + leaseMs), updatedAt: now } });
      return result.matchedCount > 0;
    });
  }

  markSent(key: string, at: Date): Promise<void> {
    return guard(async () => {
      await this.collection.updateOne(
        { _id: key },
        { $set: { state: 'sent', owner: null, leaseUntil: null, sentAt: at, updatedAt: at }, $setOnInsert: { attempts: 1 } },
        { upsert: true },
      );
    });
  }

  release(key: string, owner: string): Promise<void> {
    return guard(async () => {
      await this.collection.updateOne({ _id: key, state: 'pending', owner }, { $set: { owner: null, leaseUntil: null, updatedAt: new Date() } });
    });
  }

  get(key: string): Promise<DeliveryRecord | null> {
    return guard(async () => {
      const doc = await this.collection.findOne({ _id: key });
      return doc ? { key: doc._id, state: doc.state, attempts: doc.attempts, owner: doc.owner, leaseUntil: doc.leaseUntil, sentAt: doc.sentAt } : null;
    });
  }

  sentAmong(keys: readonly string[]): Promise<Set<string>> {
    return guard(async () => {
      const sent = new Set<string>();
      for (let i = 0; i < keys.length; i += 1000) {
        const docs = await this.collection.find({ _id: { $in: keys.slice(i, i + 1000) }, state: 'sent' }, { projection: { _id: 1 } }).toArray();
        for (const doc of docs) sent.add(doc._id);
      }
      return sent;
    });
  }

  pruneSent(before: Date): Promise<number> {
    return guard(async () => (await this.collection.deleteMany({ state: 'sent', sentAt: { $lt: before } })).deletedCount);
  }
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStoreError(error);
  }
}
