import { userError } from './errors';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `since` as an ISO timestamp, or a duration back from now: 90s, 30m, 1h, 2d, 1w. */
export function parseSince(text: string, now = new Date()): Date {
  const duration = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNITS[duration[2]!]!);
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : null;
  if (!at || Number.isNaN(at.getTime())) {
    throw userError('BAD_USER_INPUT', `since must be an ISO timestamp or a duration such as 30m, 1h or 2d, got "${text.slice(0, 40)}"`);
  }
  return at;
}
