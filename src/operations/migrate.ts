import { AesGcmSecretBox } from '../infra/crypto/secret-box.ts';
import { sealContext } from '../../adapters/slack/installations.ts';
import { TRANSFER_KINDS, type StoreTransfer, type TransferKind } from '../ports/store/transfer.ts';
import { describeLocation, openLocation, type OpenedStore, type StoreLocation } from './store-location.ts';
import { verifyCopy, type Verification } from './verify.ts';
import { OperationRefused } from './refused.ts';

export interface MigrateOptions {
  from: StoreLocation;
  to: StoreLocation;
  /** Copy into a target that already holds data (source records win on the same natural key). */
  merge: boolean;
  /** Continue a copy that was interrupted: the target holds part of this source. */
  resume: boolean;
  dryRun: boolean;
  batchSize: number;
  priorWeight: number;
  /** SYLLABOT_ENCRYPTION_KEY of the deployment that will use the target. */
  encryptionKey: string | undefined;
}

/** Progress of one kind: a bar on a terminal, a few lines otherwise. */
export interface ProgressReporter {
  start(kind: TransferKind, total: number): void;
  advance(done: number): void;
  finish(): void;
}

export interface MigrateIo {
  out(line: string): void;
  progress: ProgressReporter;
  /** Called after each batch is written (tests interrupt a copy here). */
  afterBatch?(kind: TransferKind, copied: number): void;
}

export interface MigrateReport {
  code: 0 | 1;
  copied: Partial<Record<TransferKind, number>>;
  verification?: Verification;
}


/**
 * Copies every record from one store to another through their transfer ports, then verifies.
 * Installations are copied sealed; the key that will open them is checked on a sample first.
 */
export async function migrate(options: MigrateOptions, io: MigrateIo): Promise<MigrateReport> {
  if (sameLocation(options.from, options.to)) throw new OperationRefused('--from and --to name the same store.');
  const source = await openLocation(options.from);
  let target: OpenedStore | undefined;
  try {
    target = await openLocation(options.to);
    const sourceCounts = await countAll(source.transfer);
    const targetCounts = await countAll(target.transfer);
    const targetHolds = Object.values(targetCounts).reduce((a, b) => a + b, 0);
    if (targetHolds > 0 && !options.merge && !options.resume) {
      throw new OperationRefused(
        `The target ${describeLocation(options.to)} already holds data (${summary(targetCounts)}). ` +
          'Add --resume to finish an interrupted copy of this source, --merge to copy into it anyway, or choose an empty target.',
      );
    }
    await checkSealed(source.transfer, options.encryptionKey, 'source');
    if (targetCounts.installations > 0) await checkSealed(target.transfer, options.encryptionKey, 'target');

    io.out(`From ${source.transfer.description} to ${target.transfer.description}${options.dryRun ? ' (dry run: nothing is written)' : ''}`);
    if (options.dryRun) {
      for (const kind of TRANSFER_KINDS) io.out(`  would copy ${sourceCounts[kind]} ${kind}`);
      if (targetHolds > 0) io.out(`  into a target that holds ${summary(targetCounts)}`);
      return { code: 0, copied: {} };
    }
    const existingBefore = options.merge ? new Set((await target.store.listCommunities()).map((c) => `${c.platform}:${c.externalId}`)) : new Set<string>();

    const copied: Partial<Record<TransferKind, number>> = {};
    for (const kind of TRANSFER_KINDS) {
      copied[kind] = await copyKind(kind, source.transfer, target.transfer, sourceCounts[kind], options.batchSize, io);
    }
    if (options.merge) {
      // Merged rows change counts the copied aggregates do not know about: recount them.
      for (const community of await target.store.listCommunities()) await target.store.recomputeAggregates(community.id);
    }
    const verification = await verifyCopy(source, target, { priorWeight: options.priorWeight, merged: options.merge, skipCommunities: existingBefore });
    io.out('');
    io.out('Kind            source   target');
    for (const c of verification.counts) io.out(`${c.kind.padEnd(14)} ${String(c.source).padStart(7)}  ${String(c.target).padStart(7)}`);
    io.out(`Compared G, satisfaction, coverage, N, the Bayesian ranking and the catalog of ${verification.communities} communities.`);
    if (verification.differences.length > 0) {
      io.out(`${verification.differences.length} difference(s):`);
      for (const d of verification.differences) io.out(`  - ${d}`);
      return { code: 1, copied, verification };
    }
    io.out('Verified: the target matches the source.');
    return { code: 0, copied, verification };
  } finally {
    await target?.close();
    await source.close();
  }
}

async function copyKind(kind: TransferKind, from: StoreTransfer, to: StoreTransfer, total: number, batchSize: number, io: MigrateIo): Promise<number> {
  io.progress.start(kind, total);
  let done = 0;
  try {
    for await (const batch of from.dump(kind, batchSize)) {
      await to.import(kind, batch);
      done += batch.length;
      io.progress.advance(done);
      io.afterBatch?.(kind, done);
    }
  } finally {
    io.progress.finish();
  }
  return done;
}

async function countAll(transfer: StoreTransfer): Promise<Record<TransferKind, number>> {
  const counts = {} as Record<TransferKind, number>;
  for (const kind of TRANSFER_KINDS) counts[kind] = await transfer.count(kind);
  return counts;
}

function summary(counts: Record<TransferKind, number>): string {
  return TRANSFER_KINDS.filter((k) => counts[k] > 0)
    .map((k) => `${counts[k]} ${k}`)
    .join(', ');
}

/**
 * Sealed tokens are copied as they are, so the deployment using the target needs the key that
 * sealed them: one installation must open with SYLLABOT_ENCRYPTION_KEY before anything is copied.
 */
async function checkSealed(transfer: StoreTransfer, key: string | undefined, which: 'source' | 'target'): Promise<void> {
  let sample;
  for await (const batch of transfer.dump('installations', 1)) {
    sample = batch[0];
    break;
  }
  if (!sample) return;
  if (!key) {
    throw new OperationRefused(
      `The ${which} holds Slack installations with encrypted tokens. Set SYLLABOT_ENCRYPTION_KEY to the key of the deployment that sealed them (the same key must be used with the target).`,
    );
  }
  try {
    AesGcmSecretBox.fromConfig(key).open(sample.sealed, sealContext(sample.externalId));
  } catch {
    throw new OperationRefused(
      `SYLLABOT_ENCRYPTION_KEY does not open the ${which}'s installation of ${sample.platform} workspace ${sample.externalId}: set it to the key that sealed them; the tokens are copied encrypted and only that key opens them.`,
    );
  }
}

function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  return a.kind === 'sqlite' && b.kind === 'sqlite' ? a.path === b.path : a.kind === 'mongo' && b.kind === 'mongo' && a.uri === b.uri;
}
