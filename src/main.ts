import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ConfigError, loadConfig, selectModes, type Config } from './config.ts';
import { createLogger } from './infra/logger.ts';
import { openStore } from './infra/open-store.ts';
import { createCore, type Core } from './app.ts';
import { createMessageCatalog, resolveLocale } from './core/i18n.ts';
import type { Logger } from './ports/logger.ts';
import { createConsoleAdapter } from '../adapters/console/console-adapter.ts';

const SUBCOMMANDS = ['start', 'console', 'help'] as const;

const cliSchema = z.object({
  subcommand: z.enum(SUBCOMMANDS),
  community: z.string().trim().min(1).max(64).regex(/^[^\s]+$/, 'no spaces').default('local'),
  locale: z.string().optional(),
});

const USAGE = `Usage: syllabot <command> [options]

Commands:
  start     Run every configured adapter (Discord, Slack), or the console when none is configured
  console   Talk to Syllabot in this terminal
  help      Show this text

Console options:
  --community NAME   Console community to act in (default: local)
  --locale en|zh-CN  Reply language (default: from LC_ALL / LANG)

Configuration comes from environment variables; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { community: { type: 'string' }, locale: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const cli = cliSchema.safeParse({ subcommand: values.help ? 'help' : (positionals[0] ?? 'start'), community: values.community, locale: values.locale });
  if (!cli.success) {
    process.stderr.write(`${cli.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('\n')}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.data.subcommand === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  const logger = createLogger({ level: config.LOG_LEVEL });
  const modes = cli.data.subcommand === 'console' ? (['console'] as const) : selectModes(config);
  const store = await openStore(config, logger);
  const core = createCore({ store, logger, config });
  const shutdown = onShutdown(logger, core);
  try {
    if (modes.includes('console')) {
      await runConsole(core, cli.data, logger);
      return 0;
    }
    logger.error({ modes }, 'Discord and Slack adapters are not built yet');
    return 1;
  } finally {
    await shutdown();
  }
}

async function runConsole(core: Core, cli: z.output<typeof cliSchema>, logger: Logger): Promise<void> {
  const locale = resolveLocale(cli.locale, process.env.LC_ALL, process.env.LC_MESSAGES, process.env.LANG);
  logger.debug({ community: cli.community, locale }, 'console started');
  const adapter = createConsoleAdapter({
    router: core.router,
    community: cli.community,
    locale,
    i18n: createMessageCatalog().translator(locale),
    input: process.stdin,
    output: process.stdout,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  });
  await adapter.run();
}

function onShutdown(logger: Logger, core: Core): () => Promise<void> {
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await core.store.close();
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      void close().then(() => process.exit(0));
    });
  }
  return close;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Syllabot stopped: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
