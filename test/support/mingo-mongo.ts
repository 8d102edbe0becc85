import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aggregator, Query } from 'mingo';
import { update as applyUpdate } from 'mingo/updater';
import mongoose from 'mongoose';

/**
 * A MongoDB for tests where none can be had: a server on 127.0.0.1 that speaks the wire protocol
 * (OP_MSG) to the real driver and answers the commands the store sends (find, aggregate,
 * findAndModify, insert, update, delete, createIndexes with unique keys, transactions) from
 * in-memory collections, with mingo (an independent implementation of MongoDB's query language)
 * evaluating filters, updates, projections, sorts and pipelines.
 *
 * It is a model, not MongoDB: one command at a time; a transaction's writes are seen by every
 * command at once and undone one by one if it aborts; no snapshot isolation, write conflicts or
 * read concerns. Fit for checking what the store sends and how its pieces fit together; what
 * rests on isolation needs the contract suite on a real server.
 * `commands` records every command received, as sent. It answers the handshake as a standalone
 * server, or as the primary of a one-node replica set when given `setName`; stop() and start()
 * make an outage on the same port.
 */

const { BSON } = mongoose.mongo;
type Doc = Record<string, unknown>;

const OP_MSG = 2013;
const OP_QUERY = 2004;
const OP_REPLY = 1;

interface IndexSpec {
  name: string;
  key: Record<string, unknown>;
  unique?: boolean;
  partialFilterExpression?: Doc;
}

export interface MingoMongo {
  readonly port: number;
  /** A URI for the driver: a direct connection (the replica set's only member when `setName` is given). */
  readonly uri: string;
  readonly commands: Doc[];
  /** The documents of a collection (live), for checks. */
  collection(db: string, name: string): Doc[];
  /** Closes the port and drops every connection; the data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port, with the same data: after stop, an outage ends. */
  start(): Promise<void>;
}

class DuplicateKey extends Error {
  constructor(readonly ns: string, index: string) {
    super(`E11000 duplicate key error collection: ${ns} index: ${index}`);
  }
}

class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const clone = <T extends Doc>(doc: T): T => BSON.deserialize(BSON.serialize(doc)) as T;
const isOperator = (value: unknown) => typeof value === 'object' && value !== null && !(value instanceof RegExp) && Object.keys(value).some((k) => k.startsWith('$'));
const keyOf = (value: unknown): string => JSON.stringify(value === undefined ? null : BSON.EJSON.serialize({ v: value }));

class Databases {
  private readonly dbs = new Map<string, Map<string, Doc[]>>();
  private readonly indexes = new Map<string, IndexSpec[]>();
  /** Per open transaction, how to undo each of its writes, in order. */
  private readonly transactions = new Map<string, (() => void)[]>();
  /** The transaction the command being run belongs to, if any. */
  private undo: (() => void)[] | null = null;

  collection(db: string, name: string): Doc[] {
    let collections = this.dbs.get(db);
    if (!collections) this.dbs.set(db, (collections = new Map()));
    let docs = collections.get(name);
    if (!docs) collections.set(name, (docs = []));
    return docs;
  }

  private exists(db: string, name: string): boolean {
    return this.dbs.get(db)?.has(name) ?? false;
  }

  run(command: Doc): Doc {
    const name = Object.keys(command)[0] ?? '';
    const db = typeof command.$db === 'string' ? command.$db : 'test';
    if (command.startTransaction === true) this.transactions.set(sessionKey(command), []);
    this.undo = command.autocommit === false ? (this.transactions.get(sessionKey(command)) ?? null) : null;
    const target = String(command[name]);
    const ns = `${db}.${target}`;
    switch (name) {
      case 'ping':
      case 'endSessions':
      case 'killCursors':
        return { ok: 1 };
      case 'commitTransaction':
        this.transactions.delete(sessionKey(command));
        return { ok: 1 };
      case 'abortTransaction':
        for (const undo of (this.transactions.get(sessionKey(command)) ?? []).reverse()) undo();
        this.transactions.delete(sessionKey(command));
        return { ok: 1 };
      case 'dropDatabase':
        this.dbs.delete(db);
        return { ok: 1 };
      case 'create':
        if (this.exists(db, target)) throw new CommandError(48, `Collection ${ns} already exists.`);
        this.collection(db, target);
        return { ok: 1 };
      case 'createIndexes': {
        this.collection(db, target);
        const specs = this.indexes.get(ns) ?? [];
        for (const spec of command.indexes as IndexSpec[]) if (!specs.some((s) => s.name === spec.name)) specs.push(spec);
        this.indexes.set(ns, specs);
        return { ok: 1 };
      }
      case 'listIndexes':
        return cursor(ns, [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...(this.indexes.get(ns) ?? []).map((s) => ({ v: 2, ...s }))]);
      case 'find': {
        let found = new Query((command.filter as Doc) ?? {}).find(this.collection(db, target), command.projection as Doc | undefined);
        if (command.sort) found = found.sort(command.sort as Record<string, 1 | -1>);
        if (typeof command.skip === 'number') found = found.skip(command.skip);
        if (typeof command.limit === 'number' && command.limit !== 0) found = found.limit(Math.abs(command.limit));
        return cursor(ns, found.all().map((d) => clone(d as Doc)));
      }
      case 'aggregate':
        return cursor(ns, (new Aggregator(command.pipeline as Doc[]).run(this.collection(db, target)) as Doc[]).map(clone));
      case 'count':
        return { n: new Query((command.query as Doc) ?? {}).find(this.collection(db, target)).all().length, ok: 1 };
      case 'insert': {
        const docs = command.documents as Doc[];
        for (const [index, doc] of docs.entries()) {
          try {
            this.put(db, target, { _id: new BSON.ObjectId(), ...doc }, null);
          } catch (error) {
            if (error instanceof DuplicateKey) return { ok: 1, n: index, writeErrors: [{ index, code: 11000, errmsg: error.message }] };
            throw error;
          }
        }
        return { ok: 1, n: docs.length };
      }
      case 'update': {
        let n = 0;
        let nModified = 0;
        const upserted: Doc[] = [];
        for (const [index, u] of (command.updates as Doc[]).entries()) {
          try {
            const matches = this.matching(db, target, u.q as Doc, undefined, u.multi === true ? Infinity : 1);
            if (matches.length === 0 && u.upsert === true) {
              upserted.push({ index, _id: this.upsert(db, target, u.q as Doc, u.u as Doc)._id });
              n++;
              continue;
            }
            for (const doc of matches) {
              n++;
              if (this.modify(db, target, doc, u.u as Doc)) nModified++;
            }
          } catch (error) {
            if (error instanceof DuplicateKey) return { ok: 1, n, nModified, writeErrors: [{ index, code: 11000, errmsg: error.message }] };
            throw error;
          }
        }
        return { ok: 1, n, nModified, ...(upserted.length ? { upserted } : {}) };
      }
      case 'delete': {
        let n = 0;
        for (const d of command.deletes as Doc[]) {
          for (const doc of this.matching(db, target, d.q as Doc, undefined, d.limit === 1 ? 1 : Infinity)) {
            this.remove(db, target, doc);
            n++;
          }
        }
        return { ok: 1, n };
      }
      case 'findAndModify': {
        const [doc] = this.matching(db, target, (command.query as Doc) ?? {}, command.sort as Record<string, 1 | -1> | undefined, 1);
        const project = (d: Doc | null) => (d && command.fields ? (new Query({}).find([d], command.fields as Doc).all()[0] as Doc) : d);
        try {
          if (command.remove === true) {
            if (!doc) return { ok: 1, value: null, lastErrorObject: { n: 0 } };
            this.remove(db, target, doc);
            return { ok: 1, value: project(clone(doc)), lastErrorObject: { n: 1 } };
          }
          if (!doc) {
            if (command.upsert !== true) return { ok: 1, value: null, lastErrorObject: { n: 0, updatedExisting: false } };
            const inserted = this.upsert(db, target, (command.query as Doc) ?? {}, command.update as Doc);
            return { ok: 1, value: command.new === true ? project(clone(inserted)) : null, lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id } };
          }
          const before = clone(doc);
          const after = this.modify(db, target, doc, command.update as Doc) ?? doc;
          return { ok: 1, value: project(clone(command.new === true ? after : before)), lastErrorObject: { n: 1, updatedExisting: true } };
        } catch (error) {
          if (error instanceof DuplicateKey) throw new CommandError(11000, error.message);
          throw error;
        }
      }
      default:
        throw new CommandError(59, `no such command: '${name}'`);
    }
  }

  private remove(db: string, name: string, doc: Doc): void {
    const docs = this.collection(db, name);
    docs.splice(docs.indexOf(doc), 1);
    this.undo?.push(() => docs.push(doc));
  }

  private matching(db: string, name: string, filter: Doc, sort: Record<string, 1 | -1> | undefined, limit: number): Doc[] {
    let found = new Query(filter).find(this.collection(db, name));
    if (sort) found = found.sort(sort);
    if (limit !== Infinity) found = found.limit(limit);
    return found.all() as Doc[];
  }

  /**
   * Applies an update (operators, or a whole replacement document) to a copy, checks the unique
   * keys, then puts the copy in place; null when nothing changed.
   */
  private modify(db: string, name: string, doc: Doc, update: Doc): Doc | null {
    if (!Object.keys(update).some((k) => k.startsWith('$'))) {
      const replaced = clone({ ...update, _id: doc._id });
      if (keyOf(replaced) === keyOf(doc)) return null;
      return this.put(db, name, replaced, doc);
    }
    const { $setOnInsert: _ignored, ...modifier } = update;
    const next = clone(doc);
    const changed = applyUpdate(next, modifier as never);
    if (changed.length === 0) return null;
    this.put(db, name, next, doc);
    return next;
  }

  private upsert(db: string, name: string, filter: Doc, update: Doc): Doc {
    const base: Doc = {};
    for (const [key, value] of Object.entries(filter)) if (!key.startsWith('$') && !isOperator(value) && !(value instanceof RegExp)) base[key] = value;
    if (!Object.keys(update).some((k) => k.startsWith('$'))) return this.put(db, name, { _id: base._id ?? new BSON.ObjectId(), ...clone(update) }, null);
    const { $setOnInsert: onInsert, ...modifier } = update;
    const doc = clone(base);
    applyUpdate(doc, modifier as never);
    if (onInsert) applyUpdate(doc, { $set: onInsert } as never);
    return this.put(db, name, { _id: new BSON.ObjectId(), ...doc }, null);
  }

  /** Stores `doc` (replacing `old` when given) unless a unique index already holds its key. */
  private put(db: string, name: string, doc: Doc, old: Doc | null): Doc {
    const docs = this.collection(db, name);
    const ns = `${db}.${name}`;
    const unique: IndexSpec[] = [{ name: '_id_', key: { _id: 1 }, unique: true }, ...(this.indexes.get(ns) ?? []).filter((s) => s.unique)];
    for (const index of unique) {
      const applies = (d: Doc) => !index.partialFilterExpression || new Query(index.partialFilterExpression).test(d);
      if (!applies(doc)) continue;
      const key = Object.keys(index.key).map((field) => keyOf(doc[field])).join('|');
      if (docs.some((other) => other !== old && applies(other) && Object.keys(index.key).map((field) => keyOf(other[field])).join('|') === key)) throw new DuplicateKey(ns, index.name);
    }
    if (old) {
      docs[docs.indexOf(old)] = doc;
      this.undo?.push(() => (docs[docs.indexOf(doc)] = old));
    } else {
      docs.push(doc);
      this.undo?.push(() => docs.splice(docs.indexOf(doc), 1));
    }
    return doc;
  }
}

function sessionKey(command: Doc): string {
  const lsid = command.lsid as { id?: { toString(encoding: string): string } } | undefined;
  return `${lsid?.id?.toString('hex') ?? 'none'}:${String(command.txnNumber)}`;
}

function cursor(ns: string, docs: Doc[]): Doc {
  return { cursor: { firstBatch: docs, id: BSON.Long.fromNumber(0), ns }, ok: 1 };
}

function hello(port: number, connectionId: number, setName: string | undefined): Doc {
  const me = `127.0.0.1:${port}`;
  return {
    ...(setName ? { setName, setVersion: 1, hosts: [me], primary: me, me, electionId: new BSON.ObjectId('7fffffff0000000000000001') } : {}),
    helloOk: true,
    ismaster: true,
    isWritablePrimary: true,
    maxBsonObjectSize: 16 * 1024 * 1024,
    maxMessageSizeBytes: 48_000_000,
    maxWriteBatchSize: 100_000,
    localTime: new Date(),
    logicalSessionTimeoutMinutes: 30,
    connectionId,
    minWireVersion: 0,
    maxWireVersion: 21,
    readOnly: false,
    ok: 1,
  };
}

function frame(opCode: number, responseTo: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + body.length, 0);
  header.writeInt32LE(Math.floor(Math.random() * 2 ** 31), 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(opCode, 12);
  return Buffer.concat([header, body]);
}

/** An OP_MSG body: flag bits, then sections (kind 0: the command; kind 1: a named document sequence). */
function parseMessage(body: Buffer): Doc {
  let at = 4;
  let command: Doc = {};
  const sequences: [string, Doc[]][] = [];
  while (at < body.length) {
    const kind = body[at]!;
    at += 1;
    if (kind === 0) {
      const size = body.readInt32LE(at);
      command = BSON.deserialize(body.subarray(at, at + size));
      at += size;
    } else {
      const size = body.readInt32LE(at);
      const end = at + size;
      const nameEnd = body.indexOf(0, at + 4);
      const name = body.subarray(at + 4, nameEnd).toString('utf8');
      const docs: Doc[] = [];
      for (let d = nameEnd + 1; d < end; d += body.readInt32LE(d)) docs.push(BSON.deserialize(body.subarray(d, d + body.readInt32LE(d))));
      sequences.push([name, docs]);
      at = end;
    }
  }
  for (const [name, docs] of sequences) command[name] = docs;
  return command;
}

export async function startMingoMongo(options: { setName?: string } = {}): Promise<MingoMongo> {
  const data = new Databases();
  const commands: Doc[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let port = 0;
  const answer = (command: Doc, connectionId: number): Doc => {
    commands.push(command);
    const name = Object.keys(command)[0] ?? '';
    if (['hello', 'ismaster', 'isMaster'].includes(name)) return hello(port, connectionId, options.setName);
    try {
      return data.run(command);
    } catch (error) {
      if (error instanceof CommandError) return { ok: 0, code: error.code, errmsg: error.message };
      return { ok: 0, code: 1, errmsg: error instanceof Error ? error.message : String(error) };
    }
  };
  const onConnection = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const connectionId = ++connections;
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16 && pending.length >= pending.readInt32LE(0)) {
        const message = pending.subarray(0, pending.readInt32LE(0));
        pending = pending.subarray(message.length);
        const opCode = message.readInt32LE(12);
        const requestId = message.readInt32LE(4);
        const body = message.subarray(16);
        if (opCode === OP_MSG) {
          const reply = BSON.serialize(answer(parseMessage(body), connectionId));
          socket.write(frame(OP_MSG, requestId, Buffer.concat([Buffer.alloc(5), reply])));
        } else if (opCode === OP_QUERY) {
          // The legacy handshake: flags, namespace, skip, return, then the command.
          const nsEnd = body.indexOf(0, 4);
          const reply = BSON.serialize(answer(BSON.deserialize(body.subarray(nsEnd + 9)), connectionId));
          const head = Buffer.alloc(20);
          head.writeInt32LE(1, 16);
          socket.write(frame(OP_REPLY, requestId, Buffer.concat([head, reply])));
        } else socket.destroy();
      }
    });
  };
  let server: Server | null = null;
  const start = async () => {
    if (server) return;
    const listening = createServer(onConnection).listen(port, '127.0.0.1');
    server = listening;
    await once(listening, 'listening');
    port = (listening.address() as AddressInfo).port;
  };
  await start();
  return {
    port,
    uri: `mongodb://127.0.0.1:${port}/syllabot?directConnection=true`,
    commands,
    collection: (db, name) => data.collection(db, name),
    async stop() {
      for (const socket of sockets) socket.destroy();
      const closing = server;
      server = null;
      if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    start,
  };
}
