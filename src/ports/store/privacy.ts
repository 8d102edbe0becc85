import type { Community, CommunityRef, Course, Member } from '../../domain/model.ts';

/** Everything Syllabot keeps about one member in one community (`/privacy`). */
export interface MemberData {
  member: Member;
  enrollments: { course: Course; enrolledAt: Date }[];
  ratings: { course: Course; stars: number; review: string | null; updatedAt: Date }[];
}

/** What erasing a member removed; `courses` are those they were enrolled in (their reminders). */
export interface ErasedMember {
  enrollments: number;
  ratings: number;
  reviews: number;
  enrolledCourses: Course[];
}

/** What purging a community removed, per kind. */
export interface PurgedCommunity {
  members: number;
  courses: number;
  enrollments: number;
  ratings: number;
  snapshots: number;
}

/** A member's own data, and a community's life after the bot is removed from it. */
export interface PrivacyStore {
  memberData(communityId: string, memberId: string): Promise<MemberData>;
  /**
   * Removes the member, their enrollments and ratings (reviews with them), and updates the
   * aggregates of the courses they touched, in one transaction where the store has them.
   */
  eraseMember(communityId: string, memberId: string): Promise<ErasedMember>;
  /** Members whose platform id is `name`, or whose display name is `name` ignoring case. */
  findMembersByName(communityId: string, name: string, limit: number): Promise<Member[]>;

  /**
   * Starts (a date) or ends (null) a community's grace period after the bot was removed from
   * it. Returns false when the store has no such community.
   */
  markCommunityRemoved(ref: CommunityRef, at: Date | null): Promise<boolean>;
  /** Communities removed at or before `before`, oldest first: due for a purge. */
  listCommunitiesRemovedBefore(before: Date): Promise<Community[]>;
  /** Deletes a community and everything in it. */
  purgeCommunity(communityId: string): Promise<PurgedCommunity>;
}
