/**
 * A course's cohort: the platform role its enrollees get, the channel they are invited to and
 * the role a member must hold to enroll or rate (members-only). Kept apart from Course so the
 * catalog's records stay as they were; every field is a platform id (a Discord role or channel
 * id, a Slack user group or channel id, a console role name).
 */
export interface CourseAccess {
  courseId: string;
  /** Granted on enroll, removed on unenroll. */
  roleId: string | null;
  /** Enrollees are invited here on enroll (Slack: conversations.invite). */
  channelId: string | null;
  /** Slack: unenrolling also removes the member from the channel. */
  channelLeave: boolean;
  /** Members-only: only holders may enroll or rate. */
  requiredRoleId: string | null;
}

export const NO_COURSE_ACCESS = (courseId: string): CourseAccess => ({ courseId, roleId: null, channelId: null, channelLeave: false, requiredRoleId: null });

export function hasCohort(access: CourseAccess): boolean {
  return access.roleId !== null || access.channelId !== null;
}

/**
 * Where one enrollment stands with the course's role and channel. `granted` and `left` are
 * final for the role they name; `refused` waits for the retry job; `none` has nothing yet.
 */
export const GRANT_STATES = ['none', 'granted', 'refused', 'left'] as const;
export type GrantState = (typeof GRANT_STATES)[number];

export interface EnrollmentGrant {
  memberId: string;
  courseId: string;
  /** The role the state is about (the course's role when it was granted or refused). */
  roleId: string | null;
  state: GrantState;
  /** The member did not hold the course's required role when last seen (kept, not re-rated). */
  lapsed: boolean;
  updatedAt: Date;
}

export interface GrantCounts {
  granted: number;
  refused: number;
  left: number;
  /** Enrollees with no grant yet for the course's current role (the backfill's remaining work). */
  waiting: number;
  lapsed: number;
  total: number;
}

/**
 * What the grant record of an enrollment is about: the course's role, else its channel (Slack
 * courses have no roles, Discord invites to no channel), so a failed channel invite is recorded,
 * counted and retried by the same job as a refused role. A channel is kept apart from role ids
 * by a prefix no platform role id or console role name has.
 */
const CHANNEL_TARGET = 'channel:';
export function grantTarget(access: Pick<CourseAccess, 'roleId' | 'channelId'>): string | null {
  return access.roleId ?? (access.channelId !== null ? `${CHANNEL_TARGET}${access.channelId}` : null);
}
/** The channel id of a channel target, null for a role. */
export function targetChannel(target: string): string | null {
  return target.startsWith(CHANNEL_TARGET) ? target.slice(CHANNEL_TARGET.length) : null;
}

/**
 * What an enrollment still needs for the course's current target: revoke a role it was given that
 * is no longer the course's, grant the course's role or invite to its channel if not yet done (or
 * refused before). A channel is never taken back here: members stay in a course's old channel.
 */
export function grantWork(access: Pick<CourseAccess, 'roleId' | 'channelId'>, grant: Pick<EnrollmentGrant, 'roleId' | 'state'> | null): { revoke: string | null; grant: string | null } {
  const target = grantTarget(access);
  const held = grant && grant.state === 'granted' && grant.roleId !== null && targetChannel(grant.roleId) === null ? grant.roleId : null;
  const revoke = held !== null && held !== target ? held : null;
  const done = grant !== null && grant.roleId === target && (grant.state === 'granted' || grant.state === 'left');
  return { revoke, grant: target !== null && !done ? target : null };
}
