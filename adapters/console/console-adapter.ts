import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { CommandRouter } from '../../src/core/router.ts';
import type { Translator } from '../../src/core/i18n.ts';
import type { Reply } from '../../src/domain/reply.ts';
import { renderReply } from './render.ts';
import { safeText } from '../shared/text.ts';
import { usageOf } from '../../src/core/usage.ts';
import { writeReplyFiles } from './files.ts';

export const OPERATOR = 'you';
const AS_MEMBER = /^@([^\s@/]{1,64})\s+(.*)$/s;

export interface ConsoleAdapterConfig {
  router: CommandRouter;
  /** The console community's name (`--community`); separate names keep separate catalogs. */
  community: string;
  /** The member's language from `--locale`, `LC_ALL` or `LANG`. */
  locale: string;
  i18n: Translator;
  input: Readable;
  output: Writable;
  /** Prompt with history on a terminal; one command a line otherwise. */
  interactive: boolean;
  /** Where files a command returns are written (EXPORTS_DIR); default `./exports`. */
  exportsDir?: string;
  /** The date in the export folder's name. */
  now?: () => Date;
}

export interface ConsoleAdapter {
  /** Resolves when input ends (Ctrl+D, or the end of piped input). */
  run(): Promise<void>;
  /** Runs one line as the console would and returns the text it prints. */
  runLine(line: string): Promise<string>;
}

/** The local console: the operator is `you`, a moderator; `@name /cmd` acts as member `name`. */
export function createConsoleAdapter(config: ConsoleAdapterConfig): ConsoleAdapter {
  const { router, output } = config;

  async function runLine(line: string): Promise<string> {
    const match = AS_MEMBER.exec(line);
    const member = match ? match[1]! : OPERATOR;
    const text = match ? match[2]! : line;
    const result = await router.handle({
      community: { platform: 'console', externalId: config.community, name: config.community },
      actor: { externalId: member, displayName: member, isModerator: member === OPERATOR, locale: config.locale },
      input: { kind: 'line', line: text },
      surface: { forms: false, buttons: false },
      rateLimited: false,
    });
    return render(result.reply);
  }

  async function render(reply: Reply): Promise<string> {
    if (reply.form) {
      const command = router.commands.get(reply.form.submit.command);
      return safeText(config.i18n.t('common:console.formUnsupported', { usage: command ? usageOf(command) : reply.form.submit.command }));
    }
    if (!reply.files?.length) return renderReply(reply);
    // The terminal shows no images (the reply's text carries the same facts); files go to disk.
    const i18n = config.i18n;
    const dir = config.exportsDir ?? './exports';
    try {
      const paths = await writeReplyFiles(reply.files, dir, config.community, (config.now ?? (() => new Date()))());
      return renderReply({ ...reply, body: [...reply.body, ...paths.map((path) => i18n.t('analytics:files.written', { path }))] });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return renderReply({ ...reply, tone: 'error', body: [...reply.body, i18n.t('analytics:files.writeFailed', { name: reply.files.map((f) => f.name).join(', '), dir, reason })] });
    }
  }

  async function run(): Promise<void> {
    const rl = createInterface({
      input: config.input,
      ...(config.interactive ? { output, prompt: 'syllabot› ', historySize: 500, terminal: true } : {}),
      crlfDelay: Infinity,
    });
    // Whoever reads our output went away (`npm start | head`): stop quietly, like other tools.
    let readerGone = false;
    const onOutputError = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      readerGone = true;
      rl.close();
    };
    output.on('error', onOutputError);
    if (config.interactive) {
      output.write(`${config.i18n.t('common:console.welcome', { community: config.community, member: OPERATOR })}\n`);
      rl.prompt();
    }
    // Lines are handled one at a time, in order, even when piped input arrives all at once.
    for await (const raw of rl) {
      if (readerGone) break;
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) {
        if (config.interactive) rl.prompt();
        continue;
      }
      if (config.interactive && (line === 'exit' || line === 'quit')) break;
      if (!config.interactive) output.write(`» ${safeText(line)}\n`);
      output.write(`${await runLine(line)}\n\n`);
      if (config.interactive) rl.prompt();
    }
    rl.close();
    output.off('error', onOutputError);
  }

  return { run, runLine };
}
