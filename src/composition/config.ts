import { z } from 'zod';
import { decodeEncryptionKey, MAKE_KEY_HINT } from '../infra/crypto/secret-box.ts';

/**
 * Every environment variable Syllabot reads, validated once at start-up. A bad value stops
 * start-up with one message naming each bad variable; nothing else reads process.env.
 */
const optionalText = z.string().trim().min(1).optional();
const port = z.coerce.number().int().min(1).max(65535);
const csv = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []));
const url = (protocols: RegExp) => z.url({ protocol: protocols }).optional();
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
export type LogLevel = z.output<typeof logLevel>;

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    /** Unset: `info`, or `warn` in plain text for the console, whose terminal it shares (logLevelOf). */
    LOG_LEVEL: logLevel.optional(),
    /** The console's reply language when --locale is not given (the usual POSIX order: LC_ALL, LC_MESSAGES, LANG). */
    LC_ALL: optionalText,
    LC_MESSAGES: optionalText,
    LANG: optionalText,

    SQLITE_PATH: z.string().min(1).default('./data/syllabot.sqlite'),
    /** Where the console writes files a command returns (exports), one folder per community and day. */
    EXPORTS_DIR: z.string().min(1).default('./exports'),
    MONGODB_URI: url(/^mongodb(\+srv)?$/),
    /**
     * MongoDB without a replica set has no multi-document transactions, so the store's promises
     * weaken (docs/guarantees.md, MongoDB section): refused at start-up unless this accepts it.
     */
    MONGODB_ALLOW_STANDALONE: z.stringbool().default(false),
    /** Memory for course catalogs kept in memory by the store, in MB; 0 reads every catalog from the store. */
    CATALOG_CACHE_MB: z.coerce.number().min(0).max(65_536).default(64),
    REDIS_URL: url(/^rediss?$/).default('redis://127.0.0.1:6379'),
    /** Lets a deployment run without jobs even when a Redis would be reachable. */
    JOBS_ENABLED: z.stringbool().default(true),
    /**
     * Namespace of every Redis key Syllabot writes (BullMQ queues, delivery records, rate-limit
     * counters): processes that share it share their work; deployments (or tests) sharing one
     * Redis keep apart with different prefixes. Braces allowed for Redis Cluster hash tags.
     */
    JOBS_PREFIX: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.{}-]{1,64}$/, 'letters, digits, _ . - { } only, at most 64')
      .default('syllabot'),
    /** How long start-up waits for Redis before adapters take commands (then jobs start paused). */
    JOBS_STARTUP_WAIT_SECONDS: z.coerce.number().min(0).max(300).default(5),

    DISCORD_TOKEN: optionalText,
    DISCORD_API_URL: url(/^https?$/),
    DISCORD_MODERATOR_ROLE_IDS: csv,
    DISCORD_SHARD_COUNT: z.coerce.number().int().min(1).optional(),
    DISCORD_SHARD_IDS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (!v) return undefined;
        const ids = v.split(',').map((s) => Number(s.trim()));
        if (ids.some((id) => !Number.isInteger(id) || id < 0)) {
          ctx.addIssue({ code: 'custom', message: 'must be comma-separated shard numbers, e.g. 0,1' });
          return z.NEVER;
        }
        return ids;
      }),

    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText,
    SLACK_CLIENT_ID: optionalText,
    SLACK_CLIENT_SECRET: optionalText,
    SLACK_STATE_SECRET: optionalText,
    SLACK_PORT: port.default(3000),
    SLACK_API_URL: url(/^https?$/),
    SLACK_COMMAND_PREFIX: z.string().regex(/^[a-z0-9_-]*$/, 'lowercase letters, digits, - and _ only').default(''),
    SLACK_MODERATOR_IDS: csv,
    /** Seals stored platform tokens (Slack OAuth mode): 32 bytes as base64 or hex. */
    SYLLABOT_ENCRYPTION_KEY: optionalText.refine((v) => v === undefined || decodeEncryptionKey(v) !== null, {
      message: `must be 32 bytes as base64 or hex; make one with: ${MAKE_KEY_HINT}`,
    }),

    HEALTH_PORT: port.optional(),
    /** Serve the moderators' web dashboard on this port (see /dashboard). */
    DASHBOARD_PORT: port.optional(),
    /** Signs dashboard links and sessions; default derived from another secret of the deployment. */
    DASHBOARD_SECRET: z.string().min(32, 'must be at least 32 characters (openssl rand -base64 32)').optional(),
    /** The dashboard's public address (https://stats.example.com) for links and Slack image blocks. */
    PUBLIC_URL: url(/^https?$/),

    RATE_LIMIT_READS: z.coerce.number().int().min(1).default(20),
    RATE_LIMIT_WRITES: z.coerce.number().int().min(1).default(10),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).default(10),

    BAYES_PRIOR_WEIGHT: z.coerce.number().min(0).max(1000).default(5),
    RATE_NUDGE_DAYS: z.coerce.number().min(0).max(365).default(3),
    RECOMPUTE_EVERY_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
    /** Daily community snapshots (the /stats history) older than this are pruned. */
    HISTORY_RETENTION_DAYS: z.coerce.number().int().min(7).max(3650).default(400),
    /** After Redis lost its data, reminders and digests due this far back and not sent are sent late. */
    CATCH_UP_HOURS: z.coerce.number().min(0).max(168).default(6),

    /** Days a community's data is kept after the bot is removed from it, before the purge job deletes it. */
    GRACE_PERIOD_DAYS: z.coerce.number().min(0).max(3650).default(30),
    /** Scheduled SQLite backups go here; unset turns them off. */
    BACKUP_DIR: z.string().trim().min(1).optional(),
    BACKUP_KEEP: z.coerce.number().int().min(1).max(1000).default(7),
    BACKUP_EVERY_HOURS: z.coerce.number().min(1).max(720).default(24),
  })
  .superRefine((c, ctx) => {
    if (c.SLACK_BOT_TOKEN && !c.SLACK_SIGNING_SECRET && !c.SLACK_APP_TOKEN) {
      ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET'], message: 'is required with SLACK_BOT_TOKEN (or set SLACK_APP_TOKEN for Socket Mode)' });
    }
    if (c.SLACK_CLIENT_ID && !(c.SLACK_CLIENT_SECRET && c.SLACK_STATE_SECRET && c.SLACK_SIGNING_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_CLIENT_ID'],
        message: 'OAuth mode also needs SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_SIGNING_SECRET',
      });
    }
    if (c.SLACK_CLIENT_ID && !c.SYLLABOT_ENCRYPTION_KEY) {
      ctx.addIssue({ code: 'custom', path: ['SYLLABOT_ENCRYPTION_KEY'], message: `is required in Slack OAuth mode (it encrypts the stored workspace tokens): 32 bytes as base64 or hex; make one with: ${MAKE_KEY_HINT}` });
    }
    if (c.DISCORD_SHARD_IDS && c.DISCORD_SHARD_COUNT === undefined) {
      ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: 'needs DISCORD_SHARD_COUNT' });
    }
    if (c.DISCORD_SHARD_IDS && c.DISCORD_SHARD_COUNT !== undefined && c.DISCORD_SHARD_IDS.some((id) => id >= c.DISCORD_SHARD_COUNT!)) {
      ctx.addIssue({ code: 'custom', path: ['DISCORD_SHARD_IDS'], message: 'each id must be below DISCORD_SHARD_COUNT' });
    }
  });

export type Config = z.output<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Syllabot cannot start: fix these environment variables:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most .env files.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(present);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || 'environment';
      // zod's messages never include the received value, so secrets stay out.
      return `${name}: ${issue.message}`;
    }),
  );
}

/**
 * The log level: LOG_LEVEL when set, else `info`; a console (its logs share the terminal with
 * the replies) shows only warnings unless LOG_LEVEL asks for more.
 */
export function logLevelOf(config: Pick<Config, 'LOG_LEVEL'>, consoleMode = false): LogLevel {
  return config.LOG_LEVEL ?? (consoleMode ? 'warn' : 'info');
}

export type Mode = 'discord' | 'slack' | 'console';

/** Which adapters `syllabot start` runs: every configured platform, else the console. */
export function selectModes(config: Config): Mode[] {
  const modes: Mode[] = [];
  if (config.DISCORD_TOKEN) modes.push('discord');
  if (config.SLACK_BOT_TOKEN || config.SLACK_CLIENT_ID) modes.push('slack');
  return modes.length > 0 ? modes : ['console'];
}
