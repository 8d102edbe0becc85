import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AesGcmSecretBox, CURRENT_KEY_ID, decodeEncryptionKey } from '../../src/infra/crypto/secret-box.ts';
import { ConfigError, loadConfig } from '../../src/composition/config.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { StoredInstallations } from '../../adapters/slack/installations.ts';
import type { Logger } from '../../src/ports/logger.ts';

const key = randomBytes(32);
const box = new AesGcmSecretBox(new Map([[CURRENT_KEY_ID, key]]));
const TOKEN = 'xoxb-1000-2000-0123456789abcdef';

describe('AES-256-GCM secret box', () => {
  it('given a secret, when sealed twice, then both open, differ (random IV) and hide it', () => {
    const a = box.seal(TOKEN, 'slack-installation:T1');
    const b = box.seal(TOKEN, 'slack-installation:T1');
    expect(box.open(a, 'slack-installation:T1')).toBe(TOKEN);
    expect(box.open(b, 'slack-installation:T1')).toBe(TOKEN);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
    // Layout: key id, 12-byte IV, 16-byte tag, then as many bytes as the plaintext.
    expect(a[0]).toBe(CURRENT_KEY_ID);
    expect(a.length).toBe(1 + 12 + 16 + Buffer.byteLength(TOKEN));
    expect(Buffer.from(a).includes(TOKEN)).toBe(false);
  });

  it('given sealed bytes, when a bit flips, another context or key is used, then they do not open', () => {
    const sealed = box.seal(TOKEN, 'slack-installation:T1');
    for (const index of [0 + 1, 13, sealed.length - 1]) {
      const altered = Uint8Array.from(sealed);
      altered[index]! ^= 1;
      expect(() => box.open(altered, 'slack-installation:T1')).toThrow(/does not open/);
    }
    expect(() => box.open(sealed, 'slack-installation:T2')).toThrow(/does not open/);
    expect(() => new AesGcmSecretBox(new Map([[CURRENT_KEY_ID, randomBytes(32)]])).open(sealed, 'slack-installation:T1')).toThrow(/another SYLLABOT_ENCRYPTION_KEY/);
    expect(() => box.open(sealed.subarray(0, 20), 'slack-installation:T1')).toThrow(/truncated/);
  });

  it('given a rotated key, then old-key values still open and new ones use the current id', () => {
    const old = box.seal(TOKEN, 'c');
    const rotated = new AesGcmSecretBox(
      new Map([
        [CURRENT_KEY_ID, key],
        [2, randomBytes(32)],
      ]),
      2,
    );
    expect(rotated.open(old, 'c')).toBe(TOKEN);
    expect(rotated.seal(TOKEN, 'c')[0]).toBe(2);
    const unknown = Uint8Array.from(old);
    unknown[0] = 9;
    expect(() => rotated.open(unknown, 'c')).toThrow(/key 9/);
  });

  it('decodes a 32-byte key from hex, base64 (padded or not), base64url; refuses anything else', () => {
    expect(decodeEncryptionKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(decodeEncryptionKey(key.toString('hex').toUpperCase())?.equals(key)).toBe(true);
    expect(decodeEncryptionKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(decodeEncryptionKey(key.toString('base64').replace(/=+$/, ''))?.equals(key)).toBe(true);
    expect(decodeEncryptionKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(decodeEncryptionKey(randomBytes(16).toString('base64'))).toBeNull();
    expect(decodeEncryptionKey(randomBytes(31).toString('hex'))).toBeNull();
    expect(decodeEncryptionKey('correct horse battery staple correct horse battery')).toBeNull();
  });
});

describe('SYLLABOT_ENCRYPTION_KEY in the config', () => {
  const oauth = { SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'client-secret', SLACK_STATE_SECRET: 'state-secret', SLACK_SIGNING_SECRET: 'signing-secret' };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('given OAuth mode without a key, then start-up is refused with a message that says how to make one', () => {
    expect(problems(oauth)).toEqual([expect.stringMatching(/^SYLLABOT_ENCRYPTION_KEY: is required in Slack OAuth mode.*openssl rand -base64 32/)]);
  });

  it('given a key that is not 32 bytes as base64 or hex, then it is refused without echoing the value', () => {
    const short = randomBytes(16).toString('base64');
    const found = problems({ ...oauth, SYLLABOT_ENCRYPTION_KEY: short });
    expect(found).toEqual([expect.stringMatching(/^SYLLABOT_ENCRYPTION_KEY: must be 32 bytes as base64 or hex; make one with: openssl rand -base64 32/)]);
    expect(found.join('\n')).not.toContain(short);
    expect(problems({ SYLLABOT_ENCRYPTION_KEY: 'not-a-key' })).toHaveLength(1);
  });

  it('given a 32-byte key as base64 or as hex, then the config loads', () => {
    expect(problems({ ...oauth, SYLLABOT_ENCRYPTION_KEY: key.toString('base64') })).toEqual([]);
    expect(problems({ ...oauth, SYLLABOT_ENCRYPTION_KEY: key.toString('hex') })).toEqual([]);
  });
});

describe('stored Slack installations', () => {
  function recorder(): { logger: Logger; errors: string[] } {
    const errors: string[] = [];
    const logger: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error: (obj, msg) => void errors.push(`${msg ?? ''} ${JSON.stringify(obj)}`), child: () => logger };
    return { logger, errors };
  }
  const installation = {
    team: { id: 'T1', name: 'One' },
    enterprise: undefined,
    user: { id: 'U1', token: undefined, scopes: undefined },
    bot: { token: TOKEN, id: 'B1', userId: 'UB1', scopes: ['commands'] },
    isEnterpriseInstall: false,
    authVersion: 'v2' as const,
  };

  it('given an installation sealed under another key, then no token for that workspace; the error says why', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const { logger, errors } = recorder();
    await new StoredInstallations(store, box, logger).storeInstallation(installation);
    const sameKey = new StoredInstallations(store, box, logger);
    expect((await sameKey.authorize('T1'))?.botToken).toBe(TOKEN);
    const otherKey = new StoredInstallations(store, new AesGcmSecretBox(new Map([[CURRENT_KEY_ID, randomBytes(32)]])), logger);
    expect(await otherKey.authorize('T1')).toBeNull();
    await expect(otherKey.fetchInstallation({ teamId: 'T1', enterpriseId: undefined, isEnterpriseInstall: false })).rejects.toThrow(/not installed/);
    expect(errors.join('\n')).toContain('cannot be decrypted');
    expect(errors.join('\n')).not.toContain(TOKEN);
    await store.close();
  });

  it('given a row copied onto another workspace’s id, then it does not open there', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const { logger } = recorder();
    const installations = new StoredInstallations(store, box, logger);
    await installations.storeInstallation(installation);
    const row = (await store.findInstallation({ platform: 'slack', externalId: 'T1' }))!;
    await store.saveInstallation({ ...row, externalId: 'T2' });
    expect(await installations.authorize('T2')).toBeNull();
    expect((await installations.authorize('T1'))?.botToken).toBe(TOKEN);
    await store.close();
  });
});
