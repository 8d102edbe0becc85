import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store/index.ts';
import { createTestCore, member, type TestCore } from '../support/core.ts';

/**
 * A moderator archives a course between a command's own check and its write: the store refuses
 * the write (WriteRefusedError) and the member hears "archived", as for any other refusal.
 */
describe('A course archived while a member enrolls or rates', () => {
  let core: TestCore;
  afterEach(() => core.dispose());

  /** Makes the store archive course 1 just before it performs `method`, as a racing moderator would. */
  const archiveJustBefore = (store: Store, method: 'enroll' | 'rate') => {
    const write = store[method] as (...args: unknown[]) => Promise<unknown>;
    Object.assign(store, {
      [method]: async (...args: unknown[]) => {
        const [communityId, , courseId] = args as [string, string, string];
        await store.setCourseArchived(communityId, courseId, true);
        return write(...args);
      },
    });
  };

  it('given the course archived just before the write, then "archived" and no enrollment', async () => {
    core = createTestCore();
    const [mod, ana] = [member(core, { id: 'mod', moderator: true }), member(core, { id: 'ana' })];
    expect((await mod.say('/course add Rust')).outcome).toBe('ok');
    archiveJustBefore(core.sqlite, 'enroll');
    const result = await ana.say('/enroll 1');
    expect(result.outcome).toBe('user-error');
    expect(JSON.stringify(result.reply)).toContain('is archived and takes no new enrollments or ratings');
    expect(core.sqlite.database.prepare('SELECT count(*) FROM enrollments').pluck().get()).toBe(0);
  });

  it('given the course is archived just before the rating is written, then "archived" and no rating', async () => {
    core = createTestCore();
    const [mod, ana] = [member(core, { id: 'mod', moderator: true }), member(core, { id: 'ana' })];
    expect((await mod.say('/course add Rust')).outcome).toBe('ok');
    expect((await ana.say('/enroll 1')).outcome).toBe('ok');
    archiveJustBefore(core.sqlite, 'rate');
    const result = await ana.say('/rate 1 5');
    expect(result.outcome).toBe('user-error');
    expect(JSON.stringify(result.reply)).toContain('is archived');
    expect(core.sqlite.database.prepare('SELECT count(*) FROM ratings').pluck().get()).toBe(0);
  });
});
