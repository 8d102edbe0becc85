import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpStore, openCore, replyText, run, type CoreHarness, type Who } from './support/core-harness.ts';
import type { Platform } from '../../src/domain/model.ts';

/**
 * Three communities whose members share platform ids: the same member id `ana` everywhere,
 * two Discord guilds, and a Slack workspace whose id equals the first guild's.
 */
interface Place {
  marker: string;
  platform: Platform;
  community: string;
  /** A title only this community has. */
  own: string;
}
const PLACES: readonly Place[] = [
  { marker: 'Alpha', platform: 'discord', community: '1000', own: 'Zig' },
  { marker: 'Bravo', platform: 'discord', community: '2000', own: 'Haskell' },
  { marker: 'Charlie', platform: 'slack', community: '1000', own: 'Elixir' },
];
const who = (p: Place, member: string, moderator = false): Who => ({ platform: p.platform, community: p.community, member, moderator });
const others = (p: Place) => PLACES.filter((o) => o !== p);

describe('Isolation between communities, through the core', () => {
  let h: CoreHarness;

  beforeAll(async () => {
    h = openCore();
    for (const [i, p] of PLACES.entries()) {
      const mod = who(p, 'mod', true);
      const lines = [`/course add "Rust ${p.marker}"`, `/course add "Go ${p.marker}"`, `/course add "${p.own} ${p.marker}"`];
      // Community i has i extra courses, so course numbers that exist in one do not in another.
      for (let extra = 0; extra < i; extra++) lines.push(`/course add "Extra ${extra} ${p.marker}"`);
      for (const line of lines) expect((await run(h.core, mod, line)).outcome).toBe('ok');
    }
    const [alpha, bravo] = PLACES as [Place, Place, Place];
    for (const line of ['/enroll 1', '/enroll 2', '/enroll 3', '/rate 1 5 great in Alpha', '/rate 3 4']) expect((await run(h.core, who(alpha, 'ana'), line)).outcome).toBe('ok');
    for (const line of ['/enroll 1', '/rate 1 2 meh in Bravo']) expect((await run(h.core, who(bravo, 'ana'), line)).outcome).toBe('ok');
    expect((await run(h.core, who(bravo, 'bo'), '/enroll 2')).outcome).toBe('ok');
    for (const p of PLACES) expect((await run(h.core, who(p, 'ana'), '/help')).outcome).toBe('ok');
  });
  afterAll(async () => h.dispose());

  async function texts(p: Place, lines: string[]): Promise<string> {
    const out: string[] = [];
    for (const line of lines) out.push(replyText((await run(h.core, who(p, 'ana'), line)).reply));
    return out.join('\n');
  }

  for (const p of PLACES) {
    it(`given ana in ${p.platform} ${p.community}, when she browses, then no other community's data appears`, async () => {
      const seen = await texts(p, ['/courses', '/courses sort:new', '/courses Rust', '/score', '/score 1', '/score 2', '/score Rust', '/mycourses', '/help']);
      expect(seen).toContain(`Rust ${p.marker}`);
      for (const o of others(p)) {
        expect(seen).not.toContain(o.marker);
        expect(seen).not.toContain(o.own);
      }
    });

    it(`given ana in ${p.platform} ${p.community}, when she autocompletes, then only this community's`, async () => {
      const community = { platform: p.platform, externalId: p.community, name: p.marker };
      const actor = { externalId: 'ana', displayName: 'ana', isModerator: false };
      for (const partial of ['', 'R', 'rust', '1', '#2', '3', '4', 'Z', 'H', 'E', 'Extra']) {
        const suggestions = await h.core.router.autocomplete({ community, actor }, partial);
        for (const s of suggestions) expect(s.name).toContain(p.marker);
      }
      const all = await h.core.router.autocomplete({ community, actor }, '');
      expect(all).toHaveLength(3 + PLACES.indexOf(p));
    });

    it(`given ana in ${p.platform} ${p.community}, when she names another community's course, then not found`, async () => {
      const before = dumpStore(h.store);
      for (const o of others(p)) {
        const result = await run(h.core, who(p, 'ana'), `/enroll "${o.own}"`);
        expect(result.outcome).toBe('user-error');
        expect(replyText(result.reply)).toMatch(/No course matches/);
        expect(replyText(result.reply)).not.toContain(o.marker);
      }
      const beyond = await run(h.core, who(p, 'ana'), `/score ${3 + PLACES.indexOf(p) + 1}`);
      expect(beyond.outcome).toBe('user-error');
      expect(dumpStore(h.store)).toBe(before);
    });
  }

  it('given one member id in two communities, when each rates, then each counts only its own', async () => {
    const [alpha, bravo, charlie] = PLACES as [Place, Place, Place];
    const rust = async (p: Place) => (await run(h.core, who(p, 'ana'), '/score 1')).reply.fields;
    const field = (fields: { label: string; value: string }[], label: string) => fields.find((f) => f.label === label)?.value;
    expect(field(await rust(alpha), 'Average')).toBe('5.00');
    expect(field(await rust(bravo), 'Average')).toBe('2.00');
    expect(field(await rust(charlie), 'Average')).toBe('—');
    const members = async (p: Place) => field((await run(h.core, who(p, 'ana'), '/score')).reply.fields, 'Members (N)');
    // Alpha: mod and ana; Bravo: mod, ana and bo; Charlie: mod and ana.
    expect([await members(alpha), await members(bravo), await members(charlie)]).toEqual(['2', '3', '2']);
    const mine = async (p: Place) => (await run(h.core, who(p, 'ana'), '/mycourses')).reply.sections.map((s) => s.title);
    expect(await mine(alpha)).toEqual(['#1 Rust Alpha', '#2 Go Alpha', '#3 Zig Alpha']);
    expect(await mine(bravo)).toEqual(['#1 Rust Bravo']);
    expect(await mine(charlie)).toEqual([]);
  });
});
