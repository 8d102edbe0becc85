import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { printSlackManifest } from '../../adapters/slack/manifest-cli.ts';
import { buildSlackManifest, type SlackManifest } from '../../adapters/slack/manifest.ts';
import { loadConfig } from '../../src/composition/config.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { usageOf } from '../../src/core/usage.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import { slackManifestConfig } from '../../src/composition/adapter-config.ts';

const registry = createCommandRegistry();
const en = createMessageCatalog().translator('en');

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

async function printManifest(args: { url?: string }, env: Record<string, string> = {}) {
  const out = capture();
  const err = capture();
  const code = await printSlackManifest(args, slackManifestConfig(loadConfig(env)), { stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('syllabot slack-manifest', () => {
  it('given --url, then it prints JSON with every command and hint, pointing at /slack/events', async () => {
    const run = await printManifest({ url: 'https://bot.example.com/' });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const manifest = JSON.parse(run.stdout) as SlackManifest;
    const names = registry.topLevelNames();
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(names.map((n) => `/${n}`));
    for (const command of manifest.features.slash_commands) {
      const name = command.command.slice(1);
      expect(command.url).toBe('https://bot.example.com/slack/events');
      expect(command.should_escape).toBe(true);
      expect(command.description).toBe(en.t(`commands:${name}.description`));
      expect(command.description.length).toBeLessThanOrEqual(100);
    }
    const rate = manifest.features.slash_commands.find((c) => c.command === '/rate')!;
    expect(rate.usage_hint).toBe(usageOf(registry.get('rate')!).replace('/rate ', ''));
    expect(rate.usage_hint).toBe('<course> <stars> [review…]');
    expect(manifest.features.slash_commands.find((c) => c.command === '/course')!.usage_hint).toBe(
      `${registry.subcommands('course').map((c) => c.name).join('|')} …`,
    );
    expect(manifest.features.slash_commands.find((c) => c.command === '/mycourses')!.usage_hint).toBeUndefined();
  });

  it('asks for the scopes and events the adapter uses, enables interactivity and Home at the same URL', () => {
    const manifest = buildSlackManifest({ registry, i18n: en, prefix: '', url: 'https://bot.example.com/base' });
    expect(manifest.oauth_config.scopes.bot).toEqual(['commands', 'chat:write', 'chat:write.public', 'im:write', 'users:read', 'files:write', 'im:history', 'channels:history', 'groups:history', 'channels:manage', 'groups:write', 'channels:read', 'groups:read', 'usergroups:read']);
    expect(manifest.settings.event_subscriptions).toEqual({ request_url: 'https://bot.example.com/base/slack/events', bot_events: ['app_home_opened', 'app_uninstalled', 'tokens_revoked'] });
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true, request_url: 'https://bot.example.com/base/slack/events' });
    expect(manifest.settings.socket_mode_enabled).toBe(false);
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.oauth_config.redirect_urls).toBeUndefined();
    expect(manifest.display_information.description.length).toBeLessThanOrEqual(140);
  });

  it('given SLACK_COMMAND_PREFIX=sb, then every command is prefixed', async () => {
    const run = await printManifest({ url: 'https://bot.example.com' }, { SLACK_COMMAND_PREFIX: 'sb' });
    const manifest = JSON.parse(run.stdout) as SlackManifest;
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual(registry.topLevelNames().map((n) => `/sb-${n}`));
  });

  it('given no --url, then it prints a Socket Mode manifest without request URLs and says so on stderr', async () => {
    const run = await printManifest({});
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('Socket Mode');
    const manifest = JSON.parse(run.stdout) as SlackManifest;
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity).toEqual({ is_enabled: true });
    expect(manifest.settings.event_subscriptions.request_url).toBeUndefined();
    expect(manifest.features.slash_commands.every((c) => c.url === undefined)).toBe(true);
  });

  it('given OAuth mode, then the redirect URL is included', () => {
    const manifest = buildSlackManifest({ registry, i18n: en, prefix: '', url: 'https://bot.example.com', oauth: true });
    expect(manifest.oauth_config.redirect_urls).toEqual(['https://bot.example.com/slack/oauth_redirect']);
  });

  it('given OAuth mode with --url, then the manifest adds the redirect URL and changes nothing else', async () => {
    const oauthEnv = {
      SLACK_CLIENT_ID: '1000000001.2000000002',
      SLACK_CLIENT_SECRET: 'client-secret',
      SLACK_STATE_SECRET: 'state-secret',
      SLACK_SIGNING_SECRET: 'signing-secret',
      SYLLABOT_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    const oauth = await printManifest({ url: 'https://bot.example.com/' }, oauthEnv);
    const single = await printManifest({ url: 'https://bot.example.com/' });
    expect(oauth.code).toBe(0);
    const manifest = JSON.parse(oauth.stdout) as SlackManifest;
    expect(manifest.oauth_config).toEqual({
      scopes: { bot: ['commands', 'chat:write', 'chat:write.public', 'im:write', 'users:read', 'files:write', 'im:history', 'channels:history', 'groups:history', 'channels:manage', 'groups:write', 'channels:read', 'groups:read', 'usergroups:read'] },
      redirect_urls: ['https://bot.example.com/slack/oauth_redirect'],
    });
    const { oauth_config: _left, ...rest } = manifest;
    const { oauth_config: _right, ...singleRest } = JSON.parse(single.stdout) as SlackManifest;
    expect(rest).toEqual(singleRest);

    const withoutUrl = await printManifest({}, oauthEnv);
    expect(withoutUrl.code).toBe(1);
    expect(withoutUrl.stdout).toBe('');
    expect(withoutUrl.stderr).toContain('needs --url');
  });

  it('given a prefix making a command longer than Slack’s 32 chars, then it exits 1, clearly', async () => {
    const run = await printManifest({ url: 'https://bot.example.com' }, { SLACK_COMMAND_PREFIX: 'a-very-long-prefix-for-commands' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("longer than Slack's 32 characters");
  });
});
