import { describe, expect, it } from 'vitest';
import { planReminders, reminderJobId, reminderJobIds } from '../../jobs/reminders.ts';
import { defaultJobsOptions } from '../../jobs/options.ts';
import { canonicalTimeZone, checkSchedule, digestPeriod, nextRuns, previousRun } from '../../src/domain/schedule.ts';
import type { Community } from '../../src/domain/model.ts';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const options = defaultJobsOptions({ RATE_NUDGE_DAYS: 3, RECOMPUTE_EVERY_MINUTES: 15 });

describe('reminder planning', () => {
  const enrolledAt = new Date('2026-03-01T10:00:00Z');

  it('given a course with a start, when a member enrolls, then 24 h and 1 h reminders and a nudge', () => {
    const startsAt = new Date('2026-03-10T18:00:00Z');
    const planned = planReminders({ communityId: '1', memberId: '2', course: { id: '3', startsAt }, enrolledAt }, options);
    expect(planned.map((p) => [p.jobId, p.fireAt.toISOString(), p.data.kind])).toEqual([
      [`reminder-1-2-3-start-24h-${startsAt.getTime()}`, '2026-03-09T18:00:00.000Z', 'start-24h'],
      [`reminder-1-2-3-start-1h-${startsAt.getTime()}`, '2026-03-10T17:00:00.000Z', 'start-1h'],
      ['reminder-1-2-3-rate-nudge', '2026-03-13T18:00:00.000Z', 'rate-nudge'],
    ]);
    expect(planned[0]!.data).toEqual({ communityId: '1', memberId: '2', courseId: '3', kind: 'start-24h', startsAt: startsAt.getTime() });
  });

  it('given a course without a start, or begun before, then only the nudge, from the enrollment', () => {
    const none = planReminders({ communityId: '1', memberId: '2', course: { id: '3', startsAt: null }, enrolledAt, locale: 'zh-CN' }, options);
    expect(none.map((p) => [p.data.kind, p.fireAt.getTime() - enrolledAt.getTime(), p.data.locale])).toEqual([['rate-nudge', 3 * DAY, 'zh-CN']]);
    const began = planReminders({ communityId: '1', memberId: '2', course: { id: '3', startsAt: new Date('2026-02-01T00:00:00Z') }, enrolledAt }, options);
    expect(began.find((p) => p.data.kind === 'rate-nudge')!.fireAt.getTime()).toBe(enrolledAt.getTime() + 3 * DAY);
  });

  it('gives ids without colons (BullMQ refuses them), stable per reminder, different when the start moves', () => {
    const a = reminderJobId('1', '2', '3', 'start-1h', new Date(1_000));
    expect(a).not.toContain(':');
    expect(reminderJobId('1', '2', '3', 'start-1h', new Date(1_000))).toBe(a);
    expect(reminderJobId('1', '2', '3', 'start-1h', new Date(2_000))).not.toBe(a);
    expect(reminderJobIds('1', '2', { id: '3', startsAt: new Date(1_000) }, options)).toEqual([
      'reminder-1-2-3-start-24h-1000',
      'reminder-1-2-3-start-1h-1000',
      'reminder-1-2-3-rate-nudge',
    ]);
  });
});

describe('digest schedules', () => {
  it('accepts five cron fields at least an hour apart, and refuses the rest', () => {
    expect(checkSchedule('  0  9 * * 1 ', 'UTC')).toEqual({ ok: true, schedule: '0 9 * * 1' });
    expect(checkSchedule('30 18 * * *', 'Asia/Shanghai')).toEqual({ ok: true, schedule: '30 18 * * *' });
    expect(checkSchedule('0 9 * *', 'UTC')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkSchedule('0 0 9 * * 1', 'UTC')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkSchedule('0 25 * * *', 'UTC')).toEqual({ ok: false, reason: 'invalid' });
    expect(checkSchedule('*/30 * * * *', 'UTC')).toEqual({ ok: false, reason: 'too-frequent' });
    expect(checkSchedule('0,30 9 * * *', 'UTC')).toEqual({ ok: false, reason: 'too-frequent' });
  });

  it('knows IANA time zones by any case and refuses unknown ones', () => {
    expect(canonicalTimeZone('asia/shanghai')).toBe('Asia/Shanghai');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });

  it('evaluates the schedule in its time zone, and a digest covers the time since the previous slot', () => {
    const from = new Date('2026-03-04T00:00:00Z');
    // Monday 09:00 in Shanghai is 01:00 UTC.
    expect(nextRuns('0 9 * * 1', 'Asia/Shanghai', from, 2).map((d) => d.toISOString())).toEqual(['2026-03-09T01:00:00.000Z', '2026-03-16T01:00:00.000Z']);
    const slot = new Date('2026-03-09T01:00:00Z');
    expect(previousRun('0 9 * * 1', 'Asia/Shanghai', slot)?.toISOString()).toBe('2026-03-02T01:00:00.000Z');
    const community = { settings: { digest: { channelId: 'c', schedule: '0 9 * * 1', timezone: 'Asia/Shanghai' } } } as Community;
    expect(digestPeriod(community, slot)).toEqual({ since: new Date('2026-03-02T01:00:00Z'), until: slot });
    const none = { settings: {} } as Community;
    expect(digestPeriod(none, slot).since).toEqual(new Date(slot.getTime() - 7 * DAY));
  });
});
