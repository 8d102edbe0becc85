import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store/index.ts';
import type { Community, Course, Member } from '../../src/domain/model.ts';
import { grantTarget } from '../../src/domain/cohort.ts';
import type { StoreHarness } from './store-contract.ts';

/** The cohort records (issue 17) every store keeps alike: course access, grants, console roles. */
export function describeCohortStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Cohort store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let community: Community;
    let other: Community;
    let ana: Member;
    let bo: Member;
    let rust: Course;
    const at = new Date('2026-05-01T10:00:00.000Z');

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      community = await store.upsertCommunity({ platform: 'discord', externalId: 'g1' }, 'One');
      other = await store.upsertCommunity({ platform: 'discord', externalId: 'g2' }, 'Two');
      ana = await store.upsertMember(community.id, 'ana', 'Ana');
      bo = await store.upsertMember(community.id, 'bo', 'Bo');
      rust = await store.createCourse(community.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
    });
    afterEach(async () => {
      await harness.dispose();
    });

    it('given a course never configured, then its access is empty, and a patch keeps what it does not name', async () => {
      expect(await store.cohorts.getCourseAccess(community.id, rust.id)).toEqual({ courseId: rust.id, roleId: null, channelId: null, channelLeave: false, requiredRoleId: null });
      await store.cohorts.setCourseAccess(community.id, rust.id, { roleId: 'R1', channelId: 'C1' });
      const after = await store.cohorts.setCourseAccess(community.id, rust.id, { requiredRoleId: 'P1', channelLeave: true });
      expect(after).toEqual({ courseId: rust.id, roleId: 'R1', channelId: 'C1', channelLeave: true, requiredRoleId: 'P1' });
      const cleared = await store.cohorts.setCourseAccess(community.id, rust.id, { roleId: null });
      expect(cleared.roleId).toBeNull();
      expect((await store.cohorts.listCourseAccess(community.id, [rust.id])).get(rust.id)).toEqual(cleared);
    });

    it('given another community, then it neither sees nor sets this one’s course access', async () => {
      await store.cohorts.setCourseAccess(community.id, rust.id, { roleId: 'R1' });
      expect((await store.cohorts.getCourseAccess(other.id, rust.id)).roleId).toBeNull();
      expect((await store.cohorts.listCourseAccess(other.id, [rust.id])).size).toBe(0);
      await expect(store.cohorts.setCourseAccess(other.id, rust.id, { roleId: 'X' })).rejects.toThrow();
      expect((await store.cohorts.getCourseAccess(community.id, rust.id)).roleId).toBe('R1');
    });

    it('given enrollees with grants in every state, then counts and courses needing a sync follow them', async () => {
      const cy = await store.upsertMember(community.id, 'cy', 'Cy');
      for (const m of [ana, bo, cy]) await store.enroll(community.id, m.id, rust.id, at);
      await store.cohorts.setCourseAccess(community.id, rust.id, { roleId: 'R1' });
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([rust.id]);
      await store.cohorts.setGrant(community.id, ana.id, rust.id, 'R1', 'granted', at);
      await store.cohorts.setGrant(community.id, bo.id, rust.id, 'R1', 'left', at);
      await store.cohorts.setGrant(community.id, cy.id, rust.id, 'R1', 'refused', at);
      await store.cohorts.setLapsed(community.id, ana.id, rust.id, true, at);
      expect(await store.cohorts.grantCounts(community.id, rust.id, 'R1')).toEqual({ total: 3, granted: 1, left: 1, refused: 1, waiting: 0, lapsed: 1 });
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([rust.id]);
      await store.cohorts.setGrant(community.id, cy.id, rust.id, 'R1', 'granted', at);
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([]);
      // The lapsed flag survives a grant update; the grant itself is what setGrant says.
      expect(await store.cohorts.getGrant(community.id, ana.id, rust.id)).toMatchObject({ roleId: 'R1', state: 'granted', lapsed: true });
      // A new role: everyone holding the old one needs a pass (revoke R1, grant R2).
      await store.cohorts.setCourseAccess(community.id, rust.id, { roleId: 'R2' });
      expect(await store.cohorts.grantCounts(community.id, rust.id, 'R2')).toMatchObject({ granted: 0, waiting: 3 });
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([rust.id]);
      expect(await store.cohorts.coursesNeedingSync(other.id)).toEqual([]);
    });

    it('given a channel without a role, then its invites are the grants counted and synced', async () => {
      for (const m of [ana, bo]) await store.enroll(community.id, m.id, rust.id, at);
      await store.cohorts.setCourseAccess(community.id, rust.id, { channelId: 'C1' });
      const target = grantTarget({ roleId: null, channelId: 'C1' })!;
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([rust.id]);
      await store.cohorts.setGrant(community.id, ana.id, rust.id, target, 'granted', at);
      await store.cohorts.setGrant(community.id, bo.id, rust.id, target, 'refused', at);
      expect(await store.cohorts.grantCounts(community.id, rust.id, target)).toMatchObject({ total: 2, granted: 1, refused: 1, waiting: 0 });
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([rust.id]);
      await store.cohorts.setGrant(community.id, bo.id, rust.id, target, 'granted', at);
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([]);
      // Removing the channel takes nobody out of it: nothing is left to sync.
      await store.cohorts.setCourseAccess(community.id, rust.id, { channelId: null });
      expect(await store.cohorts.coursesNeedingSync(community.id)).toEqual([]);
    });

    it('given an unenrollment, then its grant no longer counts or lists, and clearGrant removes it', async () => {
      await store.enroll(community.id, ana.id, rust.id, at);
      await store.cohorts.setGrant(community.id, ana.id, rust.id, 'R1', 'granted', at);
      await store.unenroll(community.id, ana.id, rust.id);
      expect(await store.cohorts.listGrants(community.id, rust.id)).toEqual([]);
      expect((await store.cohorts.grantCounts(community.id, rust.id, 'R1')).total).toBe(0);
      await store.cohorts.clearGrant(community.id, ana.id, rust.id);
      expect(await store.cohorts.getGrant(community.id, ana.id, rust.id)).toBeNull();
    });

    it('given console roles, then they are per community and per member, and report whether anything changed', async () => {
      expect(await store.cohorts.grantConsoleRole(community.id, 'ana', 'premium')).toBe(true);
      expect(await store.cohorts.grantConsoleRole(community.id, 'ana', 'premium')).toBe(false);
      await store.cohorts.grantConsoleRole(community.id, 'ana', 'alpha');
      expect(await store.cohorts.listConsoleRoles(community.id, 'ana')).toEqual(['alpha', 'premium']);
      expect(await store.cohorts.listConsoleRoles(other.id, 'ana')).toEqual([]);
      expect(await store.cohorts.listConsoleRoles(community.id, 'bo')).toEqual([]);
      expect(await store.cohorts.revokeConsoleRole(community.id, 'ana', 'premium')).toBe(true);
      expect(await store.cohorts.revokeConsoleRole(community.id, 'ana', 'premium')).toBe(false);
      expect(await store.cohorts.listConsoleRoles(community.id, 'ana')).toEqual(['alpha']);
    });

    it('given an access URL in the settings, then it is kept and can be cleared', async () => {
      const set = await store.updateCommunitySettings(community.id, { accessUrl: 'https://pay.example/join' });
      expect(set.settings.accessUrl).toBe('https://pay.example/join');
      expect((await store.getCommunity(community.id))?.settings.accessUrl).toBe('https://pay.example/join');
      const cleared = await store.updateCommunitySettings(community.id, { accessUrl: undefined });
      expect(cleared.settings.accessUrl).toBeUndefined();
    });
  });
}
