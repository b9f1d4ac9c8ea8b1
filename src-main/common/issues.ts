import * as v from 'valibot';
import { plural } from './plural';

/**
 * Validation issues in words, for error replies: bounded whatever the input. Valibot quotes what it received
 * (`Invalid key: Expected never but received "…"`) and the issue's path names the key, so a 5 MB unknown key once
 * made a 20 MB error (path and message, in the message and again in `details`). Every quoted part is cut to a short
 * excerpt, and only the first few issues are listed.
 */

/** The longest excerpt of input an error repeats, in characters. */
export const MAX_EXCERPT_LENGTH = 120;
/** How many issues an error lists; the rest are counted. */
export const MAX_ISSUES_LISTED = 5;

/** `text`, or its first `max` characters and how long it was: `aaaa… (5,000,000 characters in all)`. */
export function excerpt(text: string, max = MAX_EXCERPT_LENGTH): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in two (the half would be an unpaired surrogate).
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}… (${plural(text.length, 'character')} in all)`;
}

/** One issue: `path: message`, each part cut to an excerpt. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue);
  // The message may quote the whole input, so it gets a longer excerpt than the path but is bounded all the same.
  const message = excerpt(issue.message, MAX_EXCERPT_LENGTH * 2);
  return path ? `${excerpt(path)}: ${message}` : message;
}

/** The first `max` issues described, then `and N more` when there are others. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[], max = MAX_ISSUES_LISTED): string[] {
  const listed = issues.slice(0, max).map(describeIssue);
  if (issues.length > max) listed.push(`and ${plural(issues.length - max, 'more issue')}`);
  return listed;
}
