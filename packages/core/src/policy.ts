import type { Clock } from './clock.js';
import { toNetworkError, isNetworkError } from './errors.js';
import { composeFetch, type FetchLayer, type FetchLike } from './fetch.js';
import { redactingLogger, type Logger } from './logger.js';
import { withRateLimit, type RateLimitOptions } from './rate-limit.js';
import { Redactor } from './redact.js';
import { withRetry, type RetryOptions } from './retry.js';
import { attemptDeadline, totalDeadline } from './timeout.js';
import { bodySource, effectiveSignal, rebuildRequest } from './context.js';

export interface PolicyOptions {
  /** Named in errors and logs. */
  vendor: string;
  /** Base fetch. Default globalThis.fetch (looked up per call so test stubs apply). */
  fetch?: FetchLike | typeof globalThis.fetch;
  /** Default: withRetry defaults. `false` disables. */
  retry?: RetryOptions | false;
  /** Default: no client-side limit. */
  rateLimit?: RateLimitOptions | false;
  /** Per attempt, headers and body. Default 30_000; 0 disables. */
  timeoutMs?: number;
  /** All attempts and waits. Default 120_000; 0 disables. */
  totalTimeoutMs?: number;
  /** Shared by retry and rate limit unless they name their own. */
  clock?: Clock;
  /** Every line passes through the redactor. */
  logger?: Logger;
  redactor?: Redactor;
}

/**
 * The one call a vendor package makes. Order, outermost first:
 * total deadline -> retry -> rate limit -> attempt timeout -> network errors -> base fetch.
 * The total deadline is a mark, not a timer: the attempt timeout fires at whichever deadline
 * comes first, and retry and rate limit give up rather than wait past it.
 * Rate limiting sits inside retry so every re-send spends a token, and outside the request
 * timeout so waiting for a token never eats into an attempt's deadline.
 */
export function createPolicyFetch(options: PolicyOptions): FetchLike {
  const { vendor } = options;
  const redactor = options.redactor ?? new Redactor();
  const log = redactingLogger(options.logger, redactor);
  const userFetch = options.fetch;
  // Deadlines travel beside the request (context.ts) only when we know the base fetch takes
  // `fetch(request, { signal })`; any other fetch gets them inside a new Request.
  const sideChannel = userFetch === undefined || userFetch === globalThis.fetch;
  const base: FetchLike = sideChannel
    ? (request) => {
        const signal = effectiveSignal(request);
        // A replayable body (see ReplayableRequest) goes in as bytes: the Request's own body
        // stream stays unread, so the same object can be sent again by a retry.
        const body = bodySource(request);
        if (body !== undefined) return globalThis.fetch(request, { signal, body });
        return signal === request.signal ? globalThis.fetch(request) : globalThis.fetch(request, { signal });
      }
    : (request) => {
        const body = bodySource(request);
        // Another fetch only sees the Request: once a retry finds its body read, rebuild it from
        // the replayable bytes.
        return (userFetch as FetchLike)(body !== undefined && request.bodyUsed ? rebuildRequest(request, {}) : request);
      };

  const layers: FetchLayer[] = [];
  const totalTimeoutMs = options.totalTimeoutMs ?? 120_000;
  if (totalTimeoutMs > 0) layers.push(totalDeadline(totalTimeoutMs));

  if (options.retry !== false) {
    const retry = options.retry ?? {};
    const userOnRetry = retry.onRetry;
    layers.push(
      withRetry({
        vendor,
        redactor,
        ...retry,
        ...(retry.clock ?? options.clock ? { clock: retry.clock ?? options.clock } : {}),
        onRetry: (info) => {
          log.warn(`${vendor}: retrying ${info.method} ${info.url} in ${Math.round(info.delayMs)} ms (${info.reason})`, {
            ...info,
          });
          userOnRetry?.(info);
        },
      }),
    );
  }

  if (options.rateLimit) {
    const rateLimit = options.rateLimit;
    const userOnWait = rateLimit.onWait;
    layers.push(
      withRateLimit({
        vendor,
        redactor,
        ...rateLimit,
        ...(rateLimit.clock ?? options.clock ? { clock: rateLimit.clock ?? options.clock } : {}),
        onWait: (info) => {
          log.debug(`${vendor}: rate limit "${info.key}", waiting ${Math.round(info.waitMs)} ms`, { ...info });
          userOnWait?.(info);
        },
      }),
    );
  }

  const timeoutMs = options.timeoutMs ?? 30_000;
  // One timer per attempt, for the earlier of the attempt's and the total deadline.
  if (timeoutMs > 0 || totalTimeoutMs > 0) layers.push(attemptDeadline(timeoutMs, { vendor, redactor }, sideChannel));

  layers.push(withNetworkErrors({ vendor, redactor }));
  return composeFetch(base, ...layers);
}

/**
 * Turns transport failures of the base fetch into NetworkError (cause kept) so callers see
 * one error type whatever fetch implementation runs underneath. Aborts pass through as is.
 */
export function withNetworkErrors(context: { vendor?: string; redactor?: Redactor } = {}): FetchLayer {
  return (next) => async (request) => {
    try {
      return await next(request);
    } catch (err) {
      if (effectiveSignal(request).aborted || !isNetworkError(err)) throw err;
      throw toNetworkError(err, { ...context, request });
    }
  };
}
