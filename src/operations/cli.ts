import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { z } from 'zod';
import type { Config } from '../composition/config.ts';
import { TRANSFER_KINDS, type TransferKind } from '../ports/store/transfer.ts';
import { describeLocation, parseStoreLocation, type StoreLocation } from './store-location.ts';
import { migrate, type ProgressReporter } from './migrate.ts';
import { backupSqlite, restoreSqlite } from './backup.ts';
import { OperationRefused } from './refused.ts';

export const OPERATOR_COMMANDS = ['migrate', 'backup', 'restore'] as const;
export type OperatorCommand = (typeof OPERATOR_COMMANDS)[number];

export const OPERATOR_USAGE = `  migrate             Copy every record to another store and verify it:
                      --from STORE --to STORE [--merge | --resume] [--dry-run] [--batch-size N]
                      (STORE is sqlite:PATH or a mongodb:// URI)
  backup              Copy the SQLite store while the bot runs: --to FILE [--from sqlite:PATH]
  restore             Put a backup in place of the SQLite store: --from FILE [--to sqlite:PATH]
                      (refused while a Syllabot process uses the store)`;

const location = z.string().transform((text, ctx) => {
  const parsed = parseStoreLocation(text);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: 'must be sqlite:PATH or a mongodb:// (or mongodb+srv://) URI' });
    return z.NEVER;
  }
  return parsed;
});
const file = z.string().trim().min(1);

const schemas = {
  migrate: z
    .object({
      from: location,
      to: location,
      merge: z.boolean().default(false),
      resume: z.boolean().default(false),
      'dry-run': z.boolean().default(false),
      'batch-size': z.coerce.number().int().min(1).max(100_000).default(1_000),
    })
    .refine((o) => !(o.merge && o.resume), { message: 'give --merge or --resume, not both', path: ['merge'] }),
  backup: z.object({ to: file, from: location.optional() }),
  restore: z.object({ from: file, to: location.optional() }),
};

export interface OperatorIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `syllabot migrate|backup|restore`: returns the exit code. */
export async function runOperatorCommand(command: OperatorCommand, argv: string[], config: Config, io: OperatorIo): Promise<number> {
  const say = (line: string) => io.stdout.write(`${line}\n`);
  const fail = (message: string) => {
    io.stderr.write(`${message}\n`);
    return 1;
  };
  let raw;
  try {
    raw = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        merge: { type: 'boolean' },
        resume: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'batch-size': { type: 'string' },
      },
    }).values;
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const parsed = schemas[command].safeParse(raw);
  if (!parsed.success) return usageError(io, parsed.error.issues.map((i) => `--${i.path.join('.') || 'option'}: ${i.message}`).join('\n'));

  try {
    switch (command) {
      case 'migrate': {
        const o = parsed.data as z.output<(typeof schemas)['migrate']>;
        const report = await migrate(
          {
            from: o.from,
            to: o.to,
            merge: o.merge,
            resume: o.resume,
            dryRun: o['dry-run'],
            batchSize: o['batch-size'],
            priorWeight: config.BAYES_PRIOR_WEIGHT,
            encryptionKey: config.SYLLABOT_ENCRYPTION_KEY,
          },
          { out: say, progress: progressFor(io.stderr) },
        );
        return report.code;
      }
      case 'backup': {
        const o = parsed.data as z.output<(typeof schemas)['backup']>;
        const from = sqliteOf(o.from, config, 'backup');
        const to = resolve(o.to);
        const bar = pagesProgress(io.stderr, 'backup');
        const report = await backupSqlite(from, to, bar.update);
        bar.stop();
        say(`Backed up ${from} to ${report.file} (${report.bytes} bytes): ${countsLine(report.counts)}.`);
        say('The copy passed SQLite’s integrity check. Restore it with: syllabot restore --from ' + report.file);
        return 0;
      }
      case 'restore': {
        const o = parsed.data as z.output<(typeof schemas)['restore']>;
        const to = sqliteOf(o.to, config, 'restore');
        const report = restoreSqlite(resolve(o.from), to);
        say(`Restored ${resolve(o.from)} to ${report.restored}: ${countsLine(report.counts)}.`);
        if (report.previous) say(`The store it replaced is kept as ${report.previous}.`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof OperationRefused) return fail(error.message);
    throw error;
  }
}

function usageError(io: OperatorIo, message: string): number {
  io.stderr.write(`${message}\n\nCommands:\n${OPERATOR_USAGE}\n`);
  return 2;
}

/** The SQLite file to back up or restore: the option, else SQLITE_PATH; MongoDB has its own tools. */
function sqliteOf(given: StoreLocation | undefined, config: Config, what: 'backup' | 'restore'): string {
  if (given && given.kind === 'sqlite') return given.path;
  if (given || config.MONGODB_URI) {
    const where = given ? describeLocation(given) : 'MONGODB_URI';
    throw new OperationRefused(
      `${what} works on SQLite files; ${where} is MongoDB. Use mongodump/mongorestore (see README, Backup and restore), ` +
        'or `syllabot migrate --from <mongodb URI> --to sqlite:backup.sqlite` for a portable copy.',
    );
  }
  return resolve(config.SQLITE_PATH);
}

function countsLine(counts: Record<TransferKind, number>): string {
  return TRANSFER_KINDS.map((k) => `${counts[k]} ${k}`).join(', ');
}

/** A bar on a terminal; otherwise a line at each tenth, so logs show progress without noise. */
function progressFor(stream: OperatorIo['stderr']): ProgressReporter {
  if (stream.isTTY) {
    let bar: SingleBar | undefined;
    return {
      start(kind, total) {
        bar = new SingleBar({ format: `${kind.padEnd(13)} {bar} {value}/{total} ({percentage}%)`, stream, hideCursor: true }, Presets.shades_classic);
        bar.start(total, 0);
      },
      advance: (done) => bar?.update(done),
      finish: () => bar?.stop(),
    };
  }
  let current = { kind: '' as TransferKind | '', total: 0, nextTenth: 1 };
  return {
    start(kind, total) {
      current = { kind, total, nextTenth: 1 };
    },
    advance(done) {
      const tenth = current.total === 0 ? 10 : Math.floor((done / current.total) * 10);
      if (tenth >= current.nextTenth) {
        stream.write(`${current.kind}: ${done}/${current.total}\n`);
        current.nextTenth = tenth + 1;
      }
    },
    finish() {
      if (current.total === 0) stream.write(`${current.kind}: 0/0\n`);
    },
  };
}

function pagesProgress(stream: OperatorIo['stderr'], label: string): { update: (done: number, total: number) => void; stop: () => void } {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: `${label} {bar} {value}/{total} pages`, stream, hideCursor: true }, Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => started && bar.stop(),
  };
}
