import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import type { Reply } from '../../src/domain/reply.ts';
import { createTestCore, member, type Speaker, type TestCore } from '../support/core.ts';

/**
 * The texts that used to be glued together in code (a moderator mark in /help, a review after
 * a rating, values in /settings show, the coverage percentage, counts) now come from the
 * catalog or Intl, so a member who reads Chinese gets Chinese wording and punctuation.
 */
const catalog = createMessageCatalog();
const zh = catalog.translator('zh-CN');
const en = catalog.translator('en');

let core: TestCore;
let wang: Speaker;
let li: Speaker;
let eve: Speaker;

beforeEach(async () => {
  core = createTestCore();
  wang = member(core, { id: 'wang', moderator: true, locale: 'zh-CN' });
  li = member(core, { id: 'li', locale: 'zh-CN' });
  eve = member(core, { id: 'eve', moderator: true, locale: 'en' });
  await wang.say('/course add title:"Rust 入门"');
});
afterEach(async () => {
  await core.dispose();
});

const fieldValue = (reply: Reply, label: string): string | undefined => reply.fields.find((f) => f.label === label)?.value;

describe('a zh-CN member reads Chinese where text used to be built in code', () => {
  it('given a zh-CN moderator, when they run /help, then moderator-only commands are marked in Chinese', async () => {
    const labels = (await wang.say('/help')).reply.fields.map((f) => f.label);
    expect(labels).toContain('/course add（管理员）');
    expect(labels).toContain('/courses');
    expect((await eve.say('/help')).reply.fields.map((f) => f.label)).toContain('/course add (moderators)');
  });

  it('given a zh-CN member with a review, when they run /mycourses, then it reads in Chinese', async () => {
    await li.say('/enroll 1');
    await li.say('/rate 1 5 讲得很清楚');
    const lines = (await li.say('/mycourses')).reply.sections[0]!.lines;
    expect(lines[0]).toBe('你的评分：5★——“讲得很清楚”');
  });

  it('given a digest schedule, when a zh-CN member runs /settings show, then Chinese punctuation and date', async () => {
    await wang.say('/settings locale zh-CN');
    await wang.say('/settings digest channel:general schedule:"0 9 * * 1" timezone:Asia/Shanghai');
    const shown = (await li.say('/settings show')).reply;
    expect(fieldValue(shown, zh.t('commands:settings.show.language'))).toBe('简体中文（zh-CN）');
    expect(fieldValue(shown, zh.t('commands:settings.show.digestNext'))).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日 09:00（Asia\/Shanghai）$/);
    const english = (await eve.say('/settings show')).reply;
    expect(fieldValue(english, en.t('commands:settings.show.language'))).toBe('简体中文 (zh-CN)');
    expect(fieldValue(english, en.t('commands:settings.show.digestNext'))).toMatch(/ 9:00 AM \(Asia\/Shanghai\)$/);
  });

  it('given one rating among two members, when a zh-CN member runs /score, then Intl percentage', async () => {
    await li.say('/enroll 1');
    await li.say('/rate 1 4');
    const score = (await li.say('/score')).reply;
    expect(fieldValue(score, '覆盖率')).toBe(zh.percent(0.5, 1));
    expect(zh.percent(0.5, 1)).toBe('50.0%');
  });

  it('given large counts, when plurals are formatted, then numbers are grouped in the locale', () => {
    expect(zh.t('common:course.enrolled', { count: 12345 })).toBe('12,345 人已报名');
    expect(zh.t('common:course.rating', { average: '4.50', count: 1200 })).toBe('★ 4.50（1,200 个评分）');
    expect(en.t('common:course.rating', { average: '4.50', count: 1 })).toBe('★ 4.50 (1 rating)');
    expect(en.t('commands:courses.summary', { count: 2500, sort: en.t('commands:courses.sort.top') })).toBe('2,500 courses, best rated first.');
  });
});
