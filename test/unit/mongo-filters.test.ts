import fc from 'fast-check';
import mongoose, { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { atOrAfter, courseListFilter, escapeRegex, oneOf, parseObjectId, requireText, searchPattern, settingsUpdate, titlePrefixPattern } from '../../src/infra/mongo/filters.ts';
import { connectionOptions } from '../../src/infra/mongo/connection.ts';
import { foldText } from '../../src/infra/text-fold.ts';

const community = new Types.ObjectId();

describe('MongoDB filters: user text stays literal', () => {
  it('given operator-like search text, when the filter is built, then a literal pattern, no operator', () => {
    const filter = courseListFilter(community, { text: '{"$gt": ""}' });
    expect(Object.keys(filter).sort()).toEqual(['archived', 'communityId', 'searchText']);
    expect(filter.searchText).toBeInstanceOf(RegExp);
    expect(filter.searchText!.test('{"$gt": ""}')).toBe(true);
    expect(filter.searchText!.test('anything else')).toBe(false);
    expect(filter.searchText!.test('')).toBe(false);
    expect(JSON.stringify(Object.keys(filter))).not.toContain('$');
  });

  it('given an object where text belongs, when a filter is built, then refused before any query', () => {
    const smuggled = { $gt: '' } as unknown as string;
    expect(() => courseListFilter(community, { text: smuggled })).toThrow(TypeError);
    expect(() => titlePrefixPattern(smuggled)).toThrow(TypeError);
    expect(() => searchPattern(['$where'] as unknown as string)).toThrow(TypeError);
    expect(() => requireText(null, 'title')).toThrow('title must be a string, got null');
  });

  it('given the connection options, then mongoose sanitizes filters of stray operator objects', () => {
    expect(connectionOptions().sanitizeFilter).toBe(true);
    const filter = mongoose.sanitizeFilter({ title: { $gt: '' }, communityId: community } as Record<string, unknown>);
    expect(filter).toEqual({ title: { $eq: { $gt: '' } }, communityId: community });
  });

  it('given the operators the store means, when sanitized, then they pass as written', () => {
    const ids = [new Types.ObjectId(), new Types.ObjectId()];
    const since = new Date('2026-03-01T00:00:00Z');
    const filter = mongoose.sanitizeFilter({ _id: oneOf(ids), enrolledAt: atOrAfter(since) } as Record<string, unknown>);
    // Not wrapped in $eq: the operators keep their meaning.
    expect(Object.keys(filter._id as object)).toEqual(['$in']);
    expect(filter._id).toMatchObject({ $in: ids });
    expect(Object.keys(filter.enrolledAt as object)).toEqual(['$gte']);
    expect(filter.enrolledAt).toMatchObject({ $gte: since });
    expect(() => atOrAfter(new Date(Number.NaN))).toThrow(TypeError);
  });

  it('given empty search text, when the filter is built, then no text filter; archived on request', () => {
    expect(courseListFilter(community, { text: '' })).toEqual({ communityId: community, archived: false });
    expect(courseListFilter(community, { includeArchived: true })).toEqual({ communityId: community });
  });
});

describe('MongoDB filters: regex escaping', () => {
  it('given every regex metacharacter, when escaped, then the pattern matches exactly that text', () => {
    const nasty = String.raw`^$.*+?()[]{}|/\-` + '\0';
    const exact = new RegExp(`^${escapeRegex(nasty)}$`);
    expect(exact.test(nasty)).toBe(true);
    expect(exact.test('x')).toBe(false);
    expect(escapeRegex('\0')).toBe('\\x00');
    expect(escapeRegex('a.b')).toBe('a\\.b');
  });

  it('given any text, when escaped, then the anchored pattern matches the text itself and nothing else', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ maxLength: 5 }), (text, extra) => {
        const exact = new RegExp(`^${escapeRegex(text)}$`);
        expect(exact.test(text)).toBe(true);
        if (extra !== '') expect(exact.test(text + extra)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('given a title prefix, when matched, then it behaves as a case- and width-insensitive startsWith', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (prefix, title) => {
        expect(titlePrefixPattern(prefix).test(foldText(title))).toBe(foldText(title).startsWith(foldText(prefix)));
      }),
      { numRuns: 300 },
    );
    expect(titlePrefixPattern('ＲＵＳＴ a').test(foldText('Rust Async'))).toBe(true);
    expect(titlePrefixPattern('.*').test(foldText('Rust'))).toBe(false);
    expect(titlePrefixPattern('%').test(foldText('Rust'))).toBe(false);
  });
});

describe('MongoDB filters: ids and settings', () => {
  it('given strings that are not ObjectIds, when parsed, then they are null so lookups find nothing', () => {
    const id = new Types.ObjectId();
    expect(parseObjectId(id.toHexString())?.equals(id)).toBe(true);
    for (const bad of ['', '42', 'zzzzzzzzzzzzzzzzzzzzzzzz', `${id.toHexString()}0`, '{"$gt":""}']) expect(parseObjectId(bad)).toBeNull();
    expect(parseObjectId({ $ne: null })).toBeNull();
  });

  it('given a settings patch, when made an update, then set keys are $set, cleared $unset, unknown ignored', () => {
    const digest = { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'UTC' };
    expect(settingsUpdate({ locale: 'zh-CN', digest })).toEqual({ $set: { 'settings.locale': 'zh-CN', 'settings.digest': digest } });
    expect(settingsUpdate({ digest: undefined })).toEqual({ $unset: { 'settings.digest': '' } });
    expect(settingsUpdate({ accessUrl: 'https://pay.example/join' })).toEqual({ $set: { 'settings.accessUrl': 'https://pay.example/join' } });
    expect(settingsUpdate({ accessUrl: undefined })).toEqual({ $unset: { 'settings.accessUrl': '' } });
    expect(settingsUpdate({})).toEqual({});
    expect(settingsUpdate({ $where: 'sleep(1000)' } as never)).toEqual({});
  });
});
