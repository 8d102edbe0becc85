/**
 * Errors the member caused and can fix. The router turns each into a friendly ephemeral reply
 * from the message catalog (`errors:<code>`, or the code itself when it names its namespace),
 * so code never matches on message text.
 */
export const UserErrorCode = {
  UnknownCommand: 'unknownCommand',
  UnknownSubcommand: 'unknownSubcommand',
  MissingOption: 'missingOption',
  TooManyArguments: 'tooManyArguments',
  UnknownOption: 'unknownOption',
  DuplicateOption: 'duplicateOption',
  InvalidOption: 'invalidOption',
  OptionTooLong: 'optionTooLong',
  OptionTooShort: 'optionTooShort',
  NumberTooSmall: 'numberTooSmall',
  NumberTooLarge: 'numberTooLarge',
  NotAWholeNumber: 'notAWholeNumber',
  NotANumber: 'notANumber',
  InvalidChoice: 'invalidChoice',
  InvalidUrl: 'invalidUrl',
  InvalidDate: 'invalidDate',
  TooManyItems: 'tooManyItems',
  LineTooLong: 'lineTooLong',
  UnbalancedQuote: 'unbalancedQuote',
  ModeratorOnly: 'moderatorOnly',
  CourseNotFound: 'courseNotFound',
  CourseAmbiguous: 'courseAmbiguous',
  CourseArchived: 'courseArchived',
  NotEnrolledToRate: 'notEnrolledToRate',
  NothingToEdit: 'nothingToEdit',
  DuplicateTitle: 'duplicateTitle',
  PageOutOfRange: 'pageOutOfRange',
  RateLimited: 'rateLimited',
  InvalidTimezone: 'invalidTimezone',
  InvalidCron: 'invalidCron',
  DigestNotConfigured: 'digestNotConfigured',
  StorageUnavailable: 'storageUnavailable',
  // Cohorts (issue 17): their messages live in the `cohorts` namespace.
  MembersOnly: 'cohorts:errors.membersOnly',
  MembersOnlyRate: 'cohorts:errors.membersOnlyRate',
  UnknownRole: 'cohorts:errors.unknownRole',
  AccessRefused: 'cohorts:errors.accessRefused',
  CohortsUnavailable: 'cohorts:errors.unavailable',
  RolesOnPlatform: 'cohorts:errors.rolesOnPlatform',
} as const;
export type UserErrorCode = (typeof UserErrorCode)[keyof typeof UserErrorCode];

export type MessageVars = Record<string, string | number>;

/** The catalog key of an error's message. */
export function errorMessageKey(code: UserErrorCode): string {
  return code.includes(':') ? code : `errors:${code}`;
}

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(
    readonly code: UserErrorCode,
    readonly vars: MessageVars = {},
    /** The option the error is about, so forms can show it beside the right field. */
    readonly option?: string,
  ) {
    super(`${code} ${JSON.stringify(vars)}`);
  }
}

/** A store that cannot be reached right now; the member is told to try again. */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
  constructor(cause?: unknown) {
    super('storage unavailable', { cause });
  }
}

/** Why a store refused a write: what it names is not there, not in the given community, or archived. */
export type WriteRefusal = 'community-not-found' | 'member-not-found' | 'course-not-found' | 'course-archived';

/**
 * A write the store refused because a record it names is missing, belongs to another community
 * or (for enroll and rate) is archived. Nothing was written. Commands check these first, so
 * reaching it means a race (a course archived between the check and the write) or a bug.
 */
export class WriteRefusedError extends Error {
  override readonly name = 'WriteRefusedError';
  constructor(
    readonly reason: WriteRefusal,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}
