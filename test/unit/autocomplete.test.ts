import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCore, member, type TestCore } from '../support/core.ts';

let core: TestCore;

beforeEach(async () => {
  core = createTestCore();
  const mod = member(core, { id: 'you', moderator: true });
  for (const title of ['Go 入门', 'Go 并发', 'Go 测试', 'Rust 101']) await mod.say(`/course add title:"${title}"`);
});
afterEach(async () => {
  await core.dispose();
});

const suggest = (partial: string, locale?: string) =>
  core.router.autocomplete(
    { community: { platform: 'console', externalId: 'local', name: 'local' }, actor: { externalId: 'li', displayName: 'li', isModerator: false, locale } },
    partial,
  );

describe('course autocomplete', () => {
  it('given a zh-CN member, when they type a title prefix, then pinyin order (bìng, cè, rù)', async () => {
    expect((await suggest('go', 'zh-CN')).map((s) => s.name)).toEqual(['#2 Go 并发', '#3 Go 测试', '#1 Go 入门']);
  });

  it('given a number, then that course comes first, and full-width digits work', async () => {
    expect((await suggest('４'))[0]).toEqual({ name: '#4 Rust 101', value: '4' });
  });

  it('given nothing typed, then every active course is offered by number', async () => {
    expect((await suggest('')).map((s) => s.value)).toEqual(['1', '2', '3', '4']);
  });

  it('given another community, then nothing of this one is offered', async () => {
    const elsewhere = await core.router.autocomplete(
      { community: { platform: 'discord', externalId: 'G2', name: 'Other' }, actor: { externalId: 'li', displayName: 'li', isModerator: false } },
      'go',
    );
    expect(elsewhere).toEqual([]);
  });
});
