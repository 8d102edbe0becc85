import { StorageUnavailableError } from '../domain/errors.ts';
import type {
  CommunityStore,
  CourseStore,
  EnrollmentStore,
  HistoryStore,
  InstallationStore,
  PrivacyStore,
  RecomputeWriteOutcome,
  ScoreStore,
  Store,
} from '../ports/store/index.ts';

/**
 * What both stores' facades share: each port method routed to the module of its aggregate. A
 * store supplies the modules (and overrides a route where it answers differently, as SQLite's
 * catalog does); ping, close and the lifecycle stay its own.
 */
export abstract class StoreFacade {
  protected abstract readonly communities: CommunityStore;
  protected abstract readonly courses: CourseStore;
  protected abstract readonly enrollments: EnrollmentStore;
  protected abstract readonly scores: ScoreStore;
  protected abstract readonly installations: InstallationStore;
  protected abstract readonly history: HistoryStore;
  protected abstract readonly privacy: PrivacyStore;

  readonly findCommunity: Store['findCommunity'] = (...a) => this.communities.findCommunity(...a);
  readonly upsertCommunity: Store['upsertCommunity'] = (...a) => this.communities.upsertCommunity(...a);
  readonly getCommunity: Store['getCommunity'] = (...a) => this.communities.getCommunity(...a);
  readonly updateCommunitySettings: Store['updateCommunitySettings'] = (...a) => this.communities.updateCommunitySettings(...a);
  readonly listCommunities: Store['listCommunities'] = (...a) => this.communities.listCommunities(...a);
  readonly upsertMember: Store['upsertMember'] = (...a) => this.communities.upsertMember(...a);
  readonly getMember: Store['getMember'] = (...a) => this.communities.getMember(...a);
  readonly findMember: Store['findMember'] = (...a) => this.communities.findMember(...a);
  readonly setRemindersEnabled: Store['setRemindersEnabled'] = (...a) => this.communities.setRemindersEnabled(...a);
  readonly countMembers: Store['countMembers'] = (...a) => this.communities.countMembers(...a);
  readonly createCourse: Store['createCourse'] = (...a) => this.courses.createCourse(...a);
  readonly updateCourse: Store['updateCourse'] = (...a) => this.courses.updateCourse(...a);
  readonly setCourseArchived: Store['setCourseArchived'] = (...a) => this.courses.setCourseArchived(...a);
  readonly getCourseByNumber: Store['getCourseByNumber'] = (...a) => this.courses.getCourseByNumber(...a);
  readonly getCourse: Store['getCourse'] = (...a) => this.courses.getCourse(...a);
  readonly findCoursesByTitlePrefix: Store['findCoursesByTitlePrefix'] = (...a) => this.courses.findCoursesByTitlePrefix(...a);
  readonly listCourses: Store['listCourses'] = (...a) => this.courses.listCourses(...a);
  readonly listActiveCourses: Store['listActiveCourses'] = (...a) => this.courses.listActiveCourses(...a);
  readonly activeRatingTotals: Store['activeRatingTotals'] = (...a) => this.courses.activeRatingTotals(...a);
  readonly enroll: Store['enroll'] = (...a) => this.enrollments.enroll(...a);
  readonly unenroll: Store['unenroll'] = (...a) => this.enrollments.unenroll(...a);
  readonly isEnrolled: Store['isEnrolled'] = (...a) => this.enrollments.isEnrolled(...a);
  readonly hasRated: Store['hasRated'] = (...a) => this.enrollments.hasRated(...a);
  readonly listMemberCourses: Store['listMemberCourses'] = (...a) => this.enrollments.listMemberCourses(...a);
  readonly listEnrolledMemberIds: Store['listEnrolledMemberIds'] = (...a) => this.enrollments.listEnrolledMemberIds(...a);
  readonly listEnrollments: Store['listEnrollments'] = (...a) => this.enrollments.listEnrollments(...a);
  readonly rate: Store['rate'] = (...a) => this.enrollments.rate(...a);
  readonly starHistogram: Store['starHistogram'] = (...a) => this.enrollments.starHistogram(...a);
  /** The single reads at once (MongoDB: in parallel); SQLite overrides it with one read transaction. */
  readonly enrollmentContext: Store['enrollmentContext'] = async (communityId, memberId, courseId) => {
    const [community, member, course, enrolled, rated] = await Promise.all([
      this.getCommunity(communityId),
      this.getMember(communityId, memberId),
      this.getCourse(communityId, courseId),
      this.isEnrolled(communityId, memberId, courseId),
      this.hasRated(communityId, memberId, courseId),
    ]);
    return { community, member, course, enrolled, rated };
  };
  readonly recomputeAggregates: Store['recomputeAggregates'] = (...a) => this.scores.recomputeAggregates(...a);
  readonly saveScoreSnapshot: Store['saveScoreSnapshot'] = (...a) => this.scores.saveScoreSnapshot(...a);
  readonly listScoreSnapshots: Store['listScoreSnapshots'] = (...a) => this.scores.listScoreSnapshots(...a);
  /** From the calls above; a store with a faster way (SQLite) overrides it. */
  readonly recountCommunity: Store['recountCommunity'] = async (communityId) => {
    const community = await this.communities.getCommunity(communityId);
    if (!community) return null;
    const repairs = await this.scores.recomputeAggregates(communityId);
    const [courses, memberCount, latest] = await Promise.all([
      this.courses.listActiveCourses(communityId),
      this.communities.countMembers(communityId),
      this.scores.listScoreSnapshots(communityId, 1),
    ]);
    return { community, repairs, courses, memberCount, latest: latest[0] ?? null };
  };
  /** One write after the other, each on its own; a store with transactions (SQLite) overrides it. */
  readonly saveRecomputes: Store['saveRecomputes'] = async (writes) => {
    const outcomes: RecomputeWriteOutcome[] = [];
    for (const write of writes) {
      try {
        const dailySaved = write.daily ? await this.history.saveDailySnapshot(write.daily) : false;
        if (write.score) await this.scores.saveScoreSnapshot(write.score);
        outcomes.push({ ok: true, dailySaved });
      } catch (error) {
        // The store itself is down: no later write would land either.
        if (error instanceof StorageUnavailableError) throw error;
        outcomes.push({ ok: false, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return outcomes;
  };
  readonly saveInstallation: Store['saveInstallation'] = (...a) => this.installations.saveInstallation(...a);
  readonly findInstallation: Store['findInstallation'] = (...a) => this.installations.findInstallation(...a);
  readonly deleteInstallation: Store['deleteInstallation'] = (...a) => this.installations.deleteInstallation(...a);
  readonly saveDailySnapshot: Store['saveDailySnapshot'] = (...a) => this.history.saveDailySnapshot(...a);
  readonly listDailySnapshots: Store['listDailySnapshots'] = (...a) => this.history.listDailySnapshots(...a);
  readonly pruneDailySnapshots: Store['pruneDailySnapshots'] = (...a) => this.history.pruneDailySnapshots(...a);
  readonly listEnrollmentRows: Store['listEnrollmentRows'] = (...a) => this.history.listEnrollmentRows(...a);
  readonly listRatingRows: Store['listRatingRows'] = (...a) => this.history.listRatingRows(...a);
  readonly listRecentReviews: Store['listRecentReviews'] = (...a) => this.history.listRecentReviews(...a);
  readonly memberData: Store['memberData'] = (...a) => this.privacy.memberData(...a);
  readonly eraseMember: Store['eraseMember'] = (...a) => this.privacy.eraseMember(...a);
  readonly findMembersByName: Store['findMembersByName'] = (...a) => this.privacy.findMembersByName(...a);
  readonly markCommunityRemoved: Store['markCommunityRemoved'] = (...a) => this.privacy.markCommunityRemoved(...a);
  readonly listCommunitiesRemovedBefore: Store['listCommunitiesRemovedBefore'] = (...a) => this.privacy.listCommunitiesRemovedBefore(...a);
  readonly purgeCommunity: Store['purgeCommunity'] = (...a) => this.privacy.purgeCommunity(...a);
}
