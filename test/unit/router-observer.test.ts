import { afterEach, describe, expect, it } from 'vitest';
import type { CommandObservation } from '../../src/ports/observer.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { createTestCore, member, textOf, type TestCore } from '../support/core.ts';

/** The router tells its observer (metrics) about every request it handles, once, and never fails a command over it. */
const cores: TestCore[] = [];
afterEach(async () => {
  for (const core of cores.splice(0)) await core.dispose();
});

describe('CommandRouter observer', () => {
  it('given an observer, when commands succeed, fail or are unknown, then each is reported once', async () => {
    const seen: CommandObservation[] = [];
    const core = createTestCore({ observer: { onCommand: (o) => seen.push(o) } });
    cores.push(core);
    const mod = member(core, { id: 'mo', moderator: true });
    const ana = member(core, { id: 'ana' });
    await mod.say('/course add title:"Rust"');
    await ana.say('/rate 1 9');
    await ana.say('/nonsense');
    await ana.say('/course add title:"Nope"');
    expect(seen.map(({ command, platform, outcome }) => [command, platform, outcome])).toEqual([
      ['course.add', 'console', 'ok'],
      ['rate', 'console', 'user-error'],
      ['unknown', 'console', 'user-error'],
      ['course.add', 'console', 'user-error'],
    ]);
    for (const o of seen) expect(o.seconds).toBeGreaterThanOrEqual(0);
  });

  it('given an observer that throws, when a command runs, then answered and a warning is logged', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? ''), child: () => logger };
    const core = createTestCore({
      logger,
      observer: {
        onCommand: () => {
          throw new Error('metrics broke');
        },
      },
    });
    cores.push(core);
    const result = await member(core, { id: 'ana' }).say('/help');
    expect(result.outcome).toBe('ok');
    expect(textOf(result)).toContain('Syllabot commands');
    expect(warnings).toEqual(['command observer failed']);
  });
});
