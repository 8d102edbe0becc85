import { randomBytes } from 'node:crypto';

/** A short id a member is shown beside "something went wrong" and the log line carries, so one finds the other. */
export function newErrorId(): string {
  return randomBytes(4).toString('hex');
}
