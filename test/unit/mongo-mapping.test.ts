import { mongo, Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { toCommunity, toCourse, toEnrollment, toInstallation, toSettings } from '../../src/infra/mongo/mapping.ts';

describe('MongoDB documents to domain records', () => {
  const id = new Types.ObjectId();
  const communityId = new Types.ObjectId();

  it('given stored settings with bad keys, when read, then only well-formed settings come back', () => {
    expect(toSettings({ locale: 'zh-CN', digest: { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'UTC' }, extra: 1 })).toEqual({
      locale: 'zh-CN',
      digest: { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'UTC' },
    });
    expect(toSettings({ locale: 'fr', digest: { channelId: 'C1' } })).toEqual({});
    expect(toSettings(null)).toEqual({});
    expect(toSettings('{"locale":"en"}')).toEqual({});
  });

  it('given a community document, when mapped, then ids are hex strings; an unknown platform is refused', () => {
    const createdAt = new Date('2026-01-01T00:00:00Z');
    expect(toCommunity({ _id: id, platform: 'slack', externalId: 'T1', name: 'Team', settings: {}, createdAt })).toEqual({
      id: id.toHexString(),
      platform: 'slack',
      externalId: 'T1',
      name: 'Team',
      settings: {},
      createdAt,
    });
    expect(() => toCommunity({ _id: id, platform: 'irc', externalId: 'x', name: 'x', settings: {}, createdAt })).toThrow(/unknown platform/);
  });

  it('given a course document missing optional fields, when mapped, then the domain defaults fill them', () => {
    const createdAt = new Date();
    const course = toCourse({ _id: id, communityId, number: 3, title: 'Rust', value: 1, createdAt } as never);
    expect(course).toEqual({
      id: id.toHexString(),
      communityId: communityId.toHexString(),
      number: 3,
      title: 'Rust',
      description: '',
      url: null,
      tags: [],
      value: 1,
      startsAt: null,
      archived: false,
      createdAt,
      ratingCount: 0,
      ratingSum: 0,
      enrolledCount: 0,
    });
  });

  it('given an enrollment document, when mapped, then exactly the domain fields come back', () => {
    const memberId = new Types.ObjectId();
    const enrolledAt = new Date('2026-03-01T00:00:00Z');
    expect(toEnrollment({ _id: id, communityId, memberId, courseId: id, enrolledAt } as never)).toEqual({
      communityId: communityId.toHexString(),
      memberId: memberId.toHexString(),
      courseId: id.toHexString(),
      enrolledAt,
    });
  });

  it('given an installation document, when mapped, then the sealed bytes come back exact', () => {
    const bytes = Uint8Array.from([1, 0, 255, 0xc3, 0x28]);
    const doc = { _id: id, platform: 'slack', externalId: 'T1', name: 'Team', botUserId: null, scopes: ['commands'], installedAt: new Date('2026-01-01T00:00:00Z') };
    const expected = { platform: 'slack', externalId: 'T1', name: 'Team', botUserId: null, scopes: ['commands'], installedAt: doc.installedAt, sealed: [...bytes] };
    for (const sealed of [new mongo.Binary(Buffer.from(bytes)), Buffer.from(bytes)]) {
      const mapped = toInstallation({ ...doc, sealed: sealed as unknown as Buffer });
      expect({ ...mapped, sealed: [...mapped.sealed] }).toEqual(expected);
    }
    expect(() => toInstallation({ ...doc, platform: 'irc', sealed: Buffer.from(bytes) })).toThrow(/unknown platform/);
    expect(() => toInstallation({ ...doc, sealed: 'not bytes' as unknown as Buffer })).toThrow(/not binary/);
  });
});
