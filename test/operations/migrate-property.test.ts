import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { TRANSFER_KINDS } from '../../src/ports/store/transfer.ts';
import { figuresOf, verifyCopy } from '../../src/operations/verify.ts';
import { communityScore } from '../../src/domain/score.ts';

const communityArb = fc.record({
  members: fc.integer({ min: 1, max: 12 }),
  courses: fc.array(fc.record({ value: fc.integer({ min: 1, max: 1000 }).map((v) => v / 10), archived: fc.boolean() }), { minLength: 1, maxLength: 8 }),
  // For each (member, course): 0 = nothing, 1 = enrolled, 2..6 = enrolled and rated 1..5 stars.
  cells: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 96, maxLength: 96 }),
});

describe('migrate keeps scores (property)', () => {
  it('given random communities, when copied via the transfer ports, then G, N, ranking identical', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(communityArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 40 }), async (communities, batchSize) => {
        runs += 1;
        const [source, target] = [SqliteStore.open({ path: ':memory:' }), SqliteStore.open({ path: ':memory:' })];
        try {
          for (const [i, spec] of communities.entries()) {
            const c = await source.upsertCommunity({ platform: 'discord', externalId: `g${i}` }, `G${i}`);
            const members = [];
            for (let m = 0; m < spec.members; m++) members.push(await source.upsertMember(c.id, `u${m}`, `U${m}`));
            const courses = [];
            for (const [n, course] of spec.courses.entries()) {
              courses.push(await source.createCourse(c.id, { title: `C${n}`, description: '', url: null, tags: [], value: course.value, startsAt: null }));
            }
            for (const [m, member] of members.entries()) {
              for (const [n, course] of courses.entries()) {
                const cell = spec.cells[(m * 8 + n) % spec.cells.length]!;
                if (cell === 0) continue;
                await source.enroll(c.id, member.id, course.id, new Date(1_000 + m));
                if (cell >= 2) await source.rate(c.id, member.id, course.id, cell - 1, null, new Date(2_000 + n));
              }
            }
            // Archived after the enrollments: archived courses take none.
            for (const [n, course] of spec.courses.entries()) if (course.archived) await source.setCourseArchived(c.id, courses[n]!.id, true);
          }
          const [from, to] = [source.transfer(), target.transfer()];
          for (const kind of TRANSFER_KINDS) for await (const batch of from.dump(kind, batchSize)) await to.import(kind, batch);
          const verification = await verifyCopy({ store: source, transfer: from }, { store: target, transfer: to }, { priorWeight: 5, merged: false });
          expect(verification.differences).toEqual([]);
          for (const community of await source.listCommunities()) {
            const copy = (await target.findCommunity(community))!;
            const [a, b] = [await figuresOf(source, community.id, 5), await figuresOf(target, copy.id, 5)];
            expect(b).toEqual(a);
            // And the copy's figures are those of its own rows, not only of copied aggregates.
            await target.recomputeAggregates(copy.id);
            const recounted = communityScore(await target.countMembers(copy.id), await target.listActiveCourses(copy.id));
            expect(recounted.score).toBe(a.score);
          }
        } finally {
          await source.close();
          await target.close();
        }
      }),
      { numRuns: 40 },
    );
    console.info(`migrate property: ${runs} random store sets copied, scores identical in every one`);
  });
});
