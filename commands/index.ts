import { CommandRegistry, type Command } from '../src/core/command.ts';
import { coursesCommand } from './courses.ts';
import { enrollCommand, unenrollCommand } from './enroll.ts';
import { rateCommand } from './rate.ts';
import { scoreCommand } from './score.ts';
import { myCoursesCommand } from './mycourses.ts';
import { helpCommand } from './help.ts';
import { courseAddCommand, courseArchiveCommand, courseEditCommand, courseUnarchiveCommand } from './course.ts';
import { remindCommand } from './remind.ts';
import { privacyCommand } from './privacy.ts';
import { digestNowCommand } from './digest.ts';
import { statsCommand } from './stats.ts';
import { dashboardCommand } from './dashboard.ts';
import { settingsDigestCommand, settingsLocaleCommand, settingsShowCommand } from './settings.ts';
import { courseShowCommand } from './course-show.ts';
import { roleGrantCommand, roleRevokeCommand } from './role.ts';
import { settingsAccessUrlCommand } from './settings-access.ts';

/** Every command, in the order /help lists them. */
export const ALL_COMMANDS: readonly Command[] = [
  coursesCommand,
  enrollCommand,
  unenrollCommand,
  rateCommand,
  scoreCommand,
  myCoursesCommand,
  remindCommand,
  privacyCommand,
  digestNowCommand,
  helpCommand,
  courseAddCommand,
  courseEditCommand,
  courseArchiveCommand,
  courseUnarchiveCommand,
  courseShowCommand,
  settingsShowCommand,
  settingsDigestCommand,
  settingsLocaleCommand,
  statsCommand,
  dashboardCommand,
  settingsAccessUrlCommand,
  roleGrantCommand,
  roleRevokeCommand,
];

export function createCommandRegistry(extra: readonly Command[] = []): CommandRegistry {
  return new CommandRegistry([...ALL_COMMANDS, ...extra]);
}
