import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpStore, hasVisibleText, openCore, replyText, requestFor, run, type CoreHarness, type Who } from './support/core-harness.ts';

/** Bugs the hardening fuzz found, each pinned by the input that found it. */
describe('Regressions found by fuzzing', () => {
  let h: CoreHarness;
  const mod: Who = { platform: 'discord', community: '7', member: 'mod', moderator: true };
  const withForms = { surface: { forms: true, buttons: true } };
  beforeAll(async () => {
    h = openCore();
    expect((await run(h.core, mod, '/course add Rust')).outcome).toBe('ok');
  });
  afterAll(async () => h.dispose());

  it('given a form request with invalid unseen options, when handled, then refused, not a form', async () => {
    // Found: `{ toString: 'x' }` as a fixed option made buildForm throw (outcome "error"), and
    // invalid fixed options were carried into the form's submit unchecked.
    for (const options of [{ course: { toString: 'x' } }, { course: 'x'.repeat(10_000) }, { course: '1', bogus: 'y' }, { course: ['1'] }]) {
      const before = dumpStore(h.store);
      const result = await h.core.router.handle(requestFor(mod, { kind: 'structured', command: 'course.edit', options }, withForms));
      expect(result.outcome, JSON.stringify(options).slice(0, 60)).toBe('user-error');
      expect(result.reply.form).toBeUndefined();
      expect(hasVisibleText(result.reply)).toBe(true);
      expect(dumpStore(h.store)).toBe(before);
    }
    expect(h.logger.errors()).toEqual([]);
  });

  it('given a valid form request, when the core handles it, then the form opens with the course', async () => {
    const result = await h.core.router.handle(requestFor(mod, { kind: 'structured', command: 'course.edit', options: { course: '1' } }, withForms));
    expect(result.outcome).toBe('form');
    expect(result.reply.form?.submit).toEqual({ command: 'course.edit', options: { course: '1' } });
    expect(replyText(result.reply)).toContain('Rust');
  });
});
