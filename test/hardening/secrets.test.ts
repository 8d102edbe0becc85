import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, tempDir } from './support/core-harness.ts';
import { inPool, runCliExact, type CliRun } from '../support/cli.ts';
import { createLogger } from '../../src/infra/logger.ts';
import { scrubSecrets, secretForms as configuredSecretForms } from '../../src/infra/scrub-secrets.ts';

/** Recognisable fake secrets: if any of these (or a password inside a URL) shows up, it leaked. */
const SECRETS = {
  DISCORD_TOKEN: 'MTAwMDAwMDAwMDAwMDAwMDAx.GFakeZ.DiscordSECRETtoken-0123456789abcdefXYZ',
  SLACK_BOT_TOKEN: 'xoxb-1000000001-2000000002-SlackSECRETbotToken42',
  SLACK_SIGNING_SECRET: 'SlackSECRETsigning0123456789abcdef',
  SLACK_CLIENT_SECRET: 'SlackSECRETclient0123456789abcdef',
  SLACK_STATE_SECRET: 'SlackSECRETstate0123456789',
  SLACK_APP_TOKEN: 'xapp-1-A0000000001-3000000003-SlackSECRETappToken',
  SYLLABOT_ENCRYPTION_KEY: Buffer.from('SyllabotSECRETencryptionKey32byt').toString('base64'),
} as const;
const MONGO_PASSWORD = 'MongoSECRETpassw0rd';
const REDIS_PASSWORD = 'RedisSECRETpassw0rd';

/** Every form a secret could be printed in: as is, URL-encoded, base64, base64url, hex. */
export function secretForms(value: string): string[] {
  const bytes = Buffer.from(value);
  return [...new Set([value, encodeURIComponent(value), bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()])];
}

const ALL_FORMS = [...Object.values(SECRETS), MONGO_PASSWORD, REDIS_PASSWORD].flatMap((secret) => secretForms(secret).map((form) => ({ secret, form })));

/** The secrets found in the output, each once, with the form it was found in. */
function leaks(output: string): string[] {
  const found = new Map<string, string>();
  for (const { secret, form } of ALL_FORMS) {
    if (!found.has(secret) && output.includes(form)) found.set(secret, form === secret ? secret : `${secret} (as ${form})`);
  }
  return [...found.values()];
}

interface Scenario {
  name: string;
  args: string[];
  env: Record<string, string>;
  input?: string;
  /** What a healthy run of this scenario must show, so the scan is not of an empty output. */
  expect?: (run: CliRun, output: string) => void;
}

describe('Secrets never reach the output, even when start-up fails', () => {
  const temp = tempDir('secrets');
  const runs = new Map<string, { run: CliRun; output: string; ms: number }>();
  let scenarios: Scenario[] = [];

  beforeAll(async () => {
    const [closed, closedRedis, closedMongo, slackPort, slackPort2, slackPort3] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const base = {
      LOG_LEVEL: 'trace',
      SQLITE_PATH: join(temp.dir, 'secrets.sqlite'),
      REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:${closedRedis}`,
      DISCORD_API_URL: `http://127.0.0.1:${closed}/api`,
      SLACK_API_URL: `http://127.0.0.1:${closed}/api/`,
    };
    const mongo = `mongodb://syllabot:${MONGO_PASSWORD}@127.0.0.1:${closedMongo}/syllabot?serverSelectionTimeoutMS=1500&connectTimeoutMS=1000`;
    const everySecret = { ...SECRETS, SLACK_CLIENT_ID: '1000000001.2000000002' };
    scenarios = [
      {
        name: 'a bad config value (SLACK_PORT=abc) with every secret set',
        args: ['start'],
        env: { ...base, ...everySecret, MONGODB_URI: mongo, SLACK_PORT: 'abc' },
        expect: (run, output) => {
          expect(run.code).toBe(1);
          expect(output).toMatch(/SLACK_PORT/);
        },
      },
      {
        name: 'an unreachable MongoDB URI with a password',
        args: ['start'],
        env: { ...base, MONGODB_URI: mongo },
        expect: (run) => expect(run.code === 0 && !run.stoppedAtDeadline).toBe(false),
      },
      { name: 'an unreachable MongoDB URI with a password, on the console', args: ['console'], env: { ...base, ...everySecret, MONGODB_URI: mongo }, input: '/help\n' },
      {
        name: 'a Discord token whose login fails (API on a closed port)',
        args: ['start'],
        env: { ...base, DISCORD_TOKEN: SECRETS.DISCORD_TOKEN, JOBS_ENABLED: 'true' },
      },
      {
        name: 'a malformed Discord token',
        args: ['start'],
        env: { ...base, DISCORD_TOKEN: `not-a-discord-token-${SECRETS.DISCORD_TOKEN}` },
      },
      {
        name: 'registering Discord commands with the API unreachable',
        args: ['register-commands'],
        env: { ...base, DISCORD_TOKEN: SECRETS.DISCORD_TOKEN },
      },
      {
        name: 'a Slack app (HTTP mode) whose API is unreachable',
        args: ['start'],
        env: { ...base, SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET, SLACK_PORT: String(slackPort) },
      },
      {
        name: 'a Slack app in Socket Mode whose API is unreachable',
        args: ['start'],
        env: { ...base, SLACK_BOT_TOKEN: SECRETS.SLACK_BOT_TOKEN, SLACK_APP_TOKEN: SECRETS.SLACK_APP_TOKEN, SLACK_PORT: String(slackPort2) },
      },
      {
        name: 'a Slack app in OAuth mode with every Slack secret',
        args: ['start'],
        env: {
          ...base,
          SLACK_CLIENT_ID: everySecret.SLACK_CLIENT_ID,
          SLACK_CLIENT_SECRET: SECRETS.SLACK_CLIENT_SECRET,
          SLACK_STATE_SECRET: SECRETS.SLACK_STATE_SECRET,
          SLACK_SIGNING_SECRET: SECRETS.SLACK_SIGNING_SECRET,
          SYLLABOT_ENCRYPTION_KEY: SECRETS.SYLLABOT_ENCRYPTION_KEY,
          SLACK_PORT: String(slackPort3),
        },
      },
      {
        name: 'a job worker whose Redis (with a password) is unreachable',
        args: ['worker'],
        env: { ...base, ...everySecret },
      },
      {
        name: 'the console with every secret set',
        args: ['console'],
        env: { ...base, ...everySecret },
        input: '/help\n/courses\n/course add "Secret-free course"\n/score 1\n/nope\n',
        // Whether it exits by itself at the end of input is not this test's concern (a job
        // runtime may keep it alive); that the commands ran and printed no secret is.
        expect: (_run, output) => expect(output).toContain('Secret-free course'),
      },
    ];
    await inPool(
      4,
      scenarios.map((s) => async () => {
        const started = Date.now();
        // Quiet for 8 s means waiting for events: a loaded 2-core CI machine can pause a start-up
        // for several seconds between its first line and its verdict.
        const run = await runCliExact(s.args, s.env, { input: s.input ?? '', idleMs: 8000, capMs: 30_000 });
        runs.set(s.name, { run, output: `${run.stdout}\n${run.stderr}`, ms: Date.now() - started });
      }),
    );
  }, 240_000);
  afterAll(() => temp.remove());

  it('given the scanner, when a secret is printed in any of its forms, then it reports the leak', () => {
    expect(leaks(`token=${SECRETS.DISCORD_TOKEN}`)).toHaveLength(1);
    expect(leaks(`x ${Buffer.from(MONGO_PASSWORD).toString('base64')} y`)).toHaveLength(1);
    expect(leaks(`x ${Buffer.from(SECRETS.SLACK_BOT_TOKEN).toString('hex')} y`)).toHaveLength(1);
    expect(leaks('nothing here')).toEqual([]);
  });

  it('given every start-up at LOG_LEVEL=trace, when the output is scanned, then no secret appears', () => {
    const summary: string[] = [];
    const found: Record<string, string[]> = {};
    let bytes = 0;
    for (const s of scenarios) {
      const { run, output, ms } = runs.get(s.name)!;
      bytes += run.bytes.stdout.length + run.bytes.stderr.length;
      expect(output.trim().length, `${s.name} printed nothing: ${JSON.stringify(run)}`).toBeGreaterThan(0);
      s.expect?.(run, output);
      const leaked = leaks(output);
      if (leaked.length > 0) found[s.name] = leaked;
      summary.push(`  ${s.name}: exit ${run.code ?? run.signal}${run.stoppedAtDeadline ? ' (still running at the deadline, stopped)' : ''}, ${run.bytes.stdout.length + run.bytes.stderr.length} bytes, ${(ms / 1000).toFixed(1)} s`);
    }
    console.log(`secrets: ${scenarios.length} start-ups, ${bytes} bytes of output scanned for ${ALL_FORMS.length} secret forms, ${Object.keys(found).length} leaks\n${summary.join('\n')}`);
    expect(found).toEqual({});
  });
});

describe('The safety net for secrets in logs and fatal errors', () => {
  const config = {
    ...SECRETS,
    MONGODB_URI: `mongodb://syllabot:${MONGO_PASSWORD}@db.example:27017/syllabot?authSource=admin`,
    REDIS_URL: `redis://:${REDIS_PASSWORD}@cache.example:6379`,
  };

  it('given a logger knowing the secrets, when a library text quotes one, then the line is scrubbed', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'trace', secrets: configuredSecretForms(config), destination: { write: (line: string) => void lines.push(line) } });
    logger.error({ err: new Error(`connection to ${config.MONGODB_URI} failed`) }, 'store failed');
    logger.trace({ message: `Authorization: Bot ${SECRETS.DISCORD_TOKEN}` }, 'discord debug');
    logger.debug({ body: `token=${encodeURIComponent(SECRETS.SLACK_BOT_TOKEN)}&client_secret=${SECRETS.SLACK_CLIENT_SECRET}` }, 'slack api call');
    logger.info({ key: Buffer.from(SECRETS.SLACK_SIGNING_SECRET).toString('base64') }, 'encoded');
    logger.warn({ reason: `WRONGPASS for ${REDIS_PASSWORD}` }, 'redis');
    logger.info({ config }, 'the whole config, by mistake');
    const output = lines.join('');
    expect(lines).toHaveLength(6);
    expect(leaks(output)).toEqual([]);
    expect(output).toContain('[redacted]');
    expect(output).toContain('connection to [redacted] failed');
  });

  it('given a fatal error quoting secrets, when main prints it, then scrubSecrets removes each', () => {
    const text = `Syllabot stopped: ${config.MONGODB_URI} / ${REDIS_PASSWORD} / ${Buffer.from(SECRETS.DISCORD_TOKEN).toString('hex')}`;
    const scrubbed = scrubSecrets(text, config);
    expect(leaks(scrubbed)).toEqual([]);
    expect(scrubbed).toMatch(/^Syllabot stopped: \[redacted\]/);
    expect(scrubSecrets('nothing secret here', config)).toBe('nothing secret here');
    // A connection string without credentials is not a secret and stays readable.
    expect(scrubSecrets('jobs on redis://127.0.0.1:6379', { REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('jobs on redis://127.0.0.1:6379');
  });
});
