/**
 * Reading the server's own words about when to come back. Vendors disagree on spelling and
 * units, so parsing is liberal in what it accepts and always answers in milliseconds.
 */

/**
 * Milliseconds to wait according to `Retry-After` (delta seconds or HTTP-date), or the
 * non-standard but common `retry-after-ms`. `undefined` when absent or unreadable.
 */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const raw = headers.get("retry-after");
  if (raw === null) return undefined;
  const text = raw.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface RateLimitHeaderInfo {
  /** Kept as text: IETF drafts allow policies such as `100, 100;w=60`. */
  limit?: string;
  remaining?: number;
  /** Epoch milliseconds at which the budget refills. */
  resetAt?: number;
}

const PREFIXES = ["x-ratelimit-", "x-rate-limit-", "ratelimit-"] as const;

function first(headers: Headers, suffix: string): string | undefined {
  for (const prefix of PREFIXES) {
    const value = headers.get(prefix + suffix);
    if (value !== null && value.trim() !== "") return value.trim();
  }
  return undefined;
}

/**
 * Turns a reset value into epoch ms. The unit is guessed from the magnitude because vendors
 * differ (DFINERY alone documents both): >= 1e12 is epoch ms (1682593200268), >= 1e9 is epoch
 * seconds (1719397769), anything smaller is delta seconds (IETF `RateLimit-Reset`).
 */
export function parseResetValue(value: string, now: number): number | undefined {
  const leading = value.split(/[,;]/)[0]?.trim() ?? "";
  if (/^\d+(\.\d+)?$/.test(leading)) {
    const n = Number(leading);
    if (n >= 1e12) return n;
    if (n >= 1e9) return n * 1000;
    return now + n * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : date;
}

/** Reads `x-ratelimit-*`, `x-rate-limit-*` and `ratelimit-*` (limit, remaining, reset). */
export function parseRateLimitHeaders(headers: Headers, now: number): RateLimitHeaderInfo {
  const info: RateLimitHeaderInfo = {};
  const limit = first(headers, "limit");
  if (limit !== undefined) info.limit = limit;
  const remaining = first(headers, "remaining");
  if (remaining !== undefined) {
    const n = Number(remaining.split(/[,;]/)[0]);
    if (Number.isFinite(n) && n >= 0) info.remaining = n;
  }
  const reset = first(headers, "reset");
  if (reset !== undefined) {
    const at = parseResetValue(reset, now);
    if (at !== undefined) info.resetAt = at;
  }
  return info;
}

/** Header names vendors use for a request id, in order of preference. */
const REQUEST_ID_HEADERS = ["x-request-id", "request-id", "x-amzn-requestid", "x-correlation-id", "x-trace-id", "cf-ray"] as const;

export function requestIdFrom(headers: Headers): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers.get(name);
    if (value) return value;
  }
  return undefined;
}
