import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, logLevelOf, selectModes, type Config } from './config.ts';
import { createLogger } from '../infra/logger.ts';
import { openStore } from '../infra/open-store.ts';
import { openRateLimiter } from '../infra/rate-limit/open-rate-limiter.ts';
import { scrubSecrets, secretForms } from '../infra/scrub-secrets.ts';
import { createCore, type Core } from './app.ts';
import { Running } from './running.ts';
import { discordAdapterConfig, discordMessengerConfig, registerCommandsConfig, slackAdapterConfig, slackManifestConfig, slackMessengerConfig } from './adapter-config.ts';
import { resolveLocale } from '../core/i18n.ts';
import type { Logger } from '../ports/logger.ts';
import type { Messenger } from '../ports/messenger.ts';
import type { RequestClaims } from '../ports/request-claims.ts';
import { SyllabotMetrics } from '../infra/health/metrics.ts';
import { startHealthServer, type HealthServer } from '../infra/health/health-server.ts';
import { createConsoleAdapter } from '../../adapters/console/console-adapter.ts';
import { createConsoleMessenger } from '../../adapters/console/messenger.ts';
import { startJobs } from '../../jobs/index.ts';

const SUBCOMMANDS = ['start', 'console', 'worker', 'register-commands', 'slack-manifest', 'help'] as const;

const cliSchema = z.object({
  subcommand: z.enum(SUBCOMMANDS),
  community: z.string().trim().min(1).max(64).regex(/^\S+$/, 'no spaces').default('local'),
  locale: z.string().max(40).optional(),
  guild: z.string().regex(/^\d{5,25}$/, 'a Discord server id (digits)').optional(),
  url: z.url({ protocol: /^https$/ }).optional(),
});
type Cli = z.output<typeof cliSchema>;

const USAGE = `Usage: syllabot <command> [options]

Commands:
  start               Run every configured adapter (Discord, Slack) and the job workers,
                      or the console when no platform is configured (the default)
  console             Talk to Syllabot in this terminal
  worker              Run only the job workers (reminders, recomputes, digests)
  register-commands   Register the slash commands with Discord [--guild ID]
  slack-manifest      Print a Slack app manifest --url https://your.host
  migrate             Copy every record to another store and verify it:
                      --from STORE --to STORE [--merge | --resume] [--dry-run] [--batch-size N]
                      (STORE is sqlite:PATH or a mongodb:// URI)
  backup              Copy the SQLite store while the bot runs: --to FILE [--from sqlite:PATH]
  restore             Put a backup in place of the SQLite store: --from FILE [--to sqlite:PATH]
                      (refused while a Syllabot process uses the store)
  help                Show this text

Console options:
  --community NAME    Console community to act in (default: local)
  --locale en|zh-CN   Reply language (default: from LC_ALL / LANG)

Configuration comes from environment variables; see README.md.`;

function parseCli(argv: string[]): Cli | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        community: { type: 'string' },
        locale: { type: 'string' },
        guild: { type: 'string' },
        url: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) return `unexpected argument: ${positionals.slice(1).join(' ')}`;
  const cli = cliSchema.safeParse({ ...values, subcommand: values.help ? 'help' : (positionals[0] ?? 'start') });
  if (!cli.success) return cli.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('\n');
  return cli.data;
}

/** Operator commands parse their own options (src/operations/cli.ts). */
const OPERATOR_COMMANDS = ['migrate', 'backup', 'restore'] as const;

async function main(argv: string[]): Promise<number> {
  const operator = OPERATOR_COMMANDS.find((name) => name === argv[0]);
  if (operator) return runOperator(operator, argv.slice(1));
  const cli = parseCli(argv);
  if (typeof cli === 'string') {
    process.stderr.write(`${cli}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.subcommand === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const config = loadConfigOrReport();
  if (config === undefined) return 1;
  // A console's logs share the terminal with its replies: warnings only, as plain lines, unless
  // LOG_LEVEL asks for (JSON) logs.
  const consoleMode = cli.subcommand === 'console' || (cli.subcommand === 'start' && selectModes(config).includes('console'));
  const logger = createLogger({
    level: logLevelOf(config, consoleMode),
    secrets: secretForms(config),
    format: consoleMode && config.LOG_LEVEL === undefined ? 'plain' : 'json',
  });

  if (cli.subcommand === 'slack-manifest') {
    const { printSlackManifest } = await import('../../adapters/slack/manifest-cli.ts');
    return printSlackManifest({ url: cli.url }, slackManifestConfig(config));
  }
  if (cli.subcommand === 'register-commands') {
    const { runRegisterCommands } = await import('../../adapters/discord/register-cli.ts');
    return runRegisterCommands({ guild: cli.guild }, registerCommandsConfig(config, logger));
  }

  const store = await openStore(config, logger, cli.subcommand);
  // Only platform members are limited (the console is exempt), so only they need the limiter.
  const rateLimits = cli.subcommand === 'start' && !selectModes(config).includes('console') ? await openRateLimiter(config, logger) : null;
  // Counted only when someone can read them (HEALTH_PORT), in the long-running processes.
  const metrics = config.HEALTH_PORT !== undefined && cli.subcommand !== 'console' ? new SyllabotMetrics() : null;
  const core = createCore({ store, logger, config, ...(rateLimits ? { rateLimiter: rateLimits.limiter } : {}), ...(metrics ? { observer: metrics } : {}) });
  const running = new Running(logger, core);
  running.rateLimits = rateLimits;
  running.onSignals();
  const observe = metrics ? { observer: metrics } : {};
  try {
    if (cli.subcommand === 'worker') {
      for (const messenger of await workerMessengers(core, config, logger)) core.messengers.register(messenger);
      const jobs = await startJobs({ core, config, logger, role: 'worker', ...observe });
      if (!jobs) {
        logger.error({}, 'syllabot worker needs Redis: set REDIS_URL to a reachable Redis and JOBS_ENABLED=true');
        return 1;
      }
      running.jobs = jobs;
      if (metrics) running.health = await serveHealth(config.HEALTH_PORT!, 'worker', running, metrics, logger);
      await running.untilStopped();
      return 0;
    }
    const modes = cli.subcommand === 'console' ? ['console' as const] : selectModes(config);
    const wiring = { core, config, logger, requestClaims: rateLimits?.claims };
    for (const mode of modes) {
      if (mode === 'discord') running.adapters.push((await import('../../adapters/discord/index.ts')).createDiscordAdapter(discordAdapterConfig(wiring)));
      if (mode === 'slack') running.adapters.push((await import('../../adapters/slack/index.ts')).createSlackAdapter(slackAdapterConfig(wiring)));
    }
    for (const adapter of running.adapters) core.messengers.register(adapter.messenger);
    // Jobs' posts for the console community (digests, reminders) are printed in the terminal.
    if (modes.includes('console')) core.messengers.register(createConsoleMessenger(process.stdout));
    if (config.JOBS_ENABLED) running.jobs = await startJobs({ core, config, logger, role: 'all', ...observe });
    // Before the adapters connect, so an orchestrator sees "down" (503) until they are.
    if (metrics && cli.subcommand === 'start') running.health = await serveHealth(config.HEALTH_PORT!, 'start', running, metrics, logger);
    if (config.DASHBOARD_PORT !== undefined) running.dashboard = await serveDashboard(core, config, logger, rateLimits?.claims);
    for (const adapter of running.adapters) {
      await adapter.start();
      logger.info({ platform: adapter.platform }, 'adapter started');
    }
    if (modes.includes('console')) {
      await runConsole(core, cli, config);
      return 0;
    }
    await running.untilStopped();
    return 0;
  } finally {
    await running.stop();
  }
}

/** The moderators' dashboard (DASHBOARD_PORT); /dashboard hands out its links from now on. */
async function serveDashboard(core: Core, config: Config, logger: Logger, claims: RequestClaims | undefined): Promise<{ stop(): Promise<void> }> {
  const { startDashboard } = await import('../../adapters/dashboard/server.ts');
  const { dashboardSecret } = await import('../../adapters/dashboard/tokens.ts');
  const secret = dashboardSecret({
    dashboardSecret: config.DASHBOARD_SECRET,
    shared: [config.SYLLABOT_ENCRYPTION_KEY, config.SLACK_SIGNING_SECRET, config.SLACK_CLIENT_SECRET, config.DISCORD_TOKEN, config.SLACK_BOT_TOKEN],
  });
  if (secret.derived === 'random') logger.warn({ component: 'dashboard' }, 'no DASHBOARD_SECRET (or other secret) set: dashboard links work only in this process');
  const dashboard = await startDashboard({
    core,
    logger: logger.child({ component: 'dashboard' }),
    port: config.DASHBOARD_PORT!,
    publicUrl: config.PUBLIC_URL,
    secret: secret.key,
    priorWeight: config.BAYES_PRIOR_WEIGHT,
    ...(claims ? { claims } : {}),
  });
  core.analytics.dashboard = dashboard.links;
  return dashboard;
}

/** The configuration, or undefined after telling stderr what is wrong with it (exit code 1). */
function loadConfigOrReport(): Config | undefined {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

async function runOperator(command: (typeof OPERATOR_COMMANDS)[number], argv: string[]): Promise<number> {
  const config = loadConfigOrReport();
  if (config === undefined) return 1;
  const { runOperatorCommand } = await import('../operations/cli.ts');
  return runOperatorCommand(command, argv, config, { stdout: process.stdout, stderr: process.stderr });
}

/**
 * What `syllabot worker` delivers through: each configured platform's REST or Web API client,
 * without a gateway session or an HTTP receiver, so workers take no shard and no requests.
 *
 * No console messenger: the console community lives in the terminal of `syllabot console`
 * (or `start` without platforms), whose own workers deliver its reminders and digests there.
 * A worker would only print them into its log, and take them away from that terminal.
 */
async function workerMessengers(core: Core, config: Config, logger: Logger): Promise<Messenger[]> {
  const messengers: Messenger[] = [];
  if (config.DISCORD_TOKEN) messengers.push((await import('../../adapters/discord/messenger.ts')).createDiscordMessenger(discordMessengerConfig({ core, config, logger })));
  // OAuth mode (SLACK_CLIENT_ID): each workspace's token comes from the installation store.
  if (config.SLACK_CLIENT_ID || config.SLACK_BOT_TOKEN) messengers.push((await import('../../adapters/slack/messenger.ts')).createSlackMessenger(slackMessengerConfig({ core, config, logger })));
  if (messengers.length === 0) logger.warn({}, 'no platform configured (DISCORD_TOKEN, SLACK_BOT_TOKEN or SLACK_CLIENT_ID): this worker only recomputes scores');
  return messengers;
}

async function serveHealth(port: number, role: 'start' | 'worker', running: Running, metrics: SyllabotMetrics, logger: Logger): Promise<HealthServer> {
  const { core } = running;
  metrics.setDepthSource(async () => (running.jobs ? running.jobs.depths() : []));
  return startHealthServer({
    port,
    metrics,
    logger,
    sources: {
      role,
      store: core.store,
      jobs: () => core.services.jobs(),
      adapters: () => running.adapters,
      delivers: () => core.messengers.platforms,
    },
  });
}

async function runConsole(core: Core, cli: Cli, config: Config): Promise<void> {
  const locale = resolveLocale(cli.locale, config.LC_ALL, config.LC_MESSAGES, config.LANG);
  const adapter = createConsoleAdapter({
    router: core.router,
    community: cli.community,
    locale,
    i18n: core.catalog.translator(locale),
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    exportsDir: config.EXPORTS_DIR,
    now: () => core.clock.now(),
  });
  await adapter.run();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Library errors can quote a connection string or a token; scrub what we know is secret.
    process.stderr.write(scrubSecrets(`Syllabot stopped: ${error instanceof Error ? error.message : String(error)}\n`, process.env));
    process.exitCode = 1;
  },
);
