import { systemClock, type Clock } from "./clock.js";
import { createCall, hasBody, type Call } from "./call.js";
import { timeoutErrorFor } from "./timeout.js";
import { isNetworkError, NetworkError, TimeoutError, toNetworkError } from "./errors.js";
import { discardBody, preloadBody } from "./body.js";
import type { OnRateLimit } from "./rate-limit.js";
import type { FetchLayer } from "./fetch.js";
import { parseRateLimitHeaders, parseRetryAfter } from "./headers.js";
import { defaultRedactor, type Redactor } from "./redact.js";

export interface RetryInfo {
  /** The attempt that just failed (1 = the first try). */
  attempt: number;
  delayMs: number;
  reason: string;
  method: string;
  /** Redacted. */
  url: string;
}

export interface RetryOptions {
  /** Total attempts including the first. Default 4. */
  maxAttempts?: number;
  /** Default 200. */
  baseDelayMs?: number;
  /** Cap of one computed backoff. Default 10_000. */
  maxDelayMs?: number;
  /** Longest server-requested wait (Retry-After / reset) we accept; beyond it the response is
   * returned at once instead of sleeping. Default 60_000. */
  maxRetryAfterMs?: number;
  /** Bound on the sum of all waits. Default 90_000. */
  maxTotalWaitMs?: number;
  /** Default [408, 425, 429, 500, 502, 503, 504]. */
  retryOnStatus?: readonly number[];
  /** Default: GET HEAD OPTIONS PUT DELETE, or any request with an `Idempotency-Key` header. */
  isSafeToRetry?: (request: Request) => boolean;
  /** Injectable for jitter tests. Default Math.random. */
  random?: () => number;
  clock?: Clock;
  onRetry?: (info: RetryInfo) => void;
  /** Scrubs the URL handed to onRetry and to errors. */
  redactor?: Redactor;
  /** Named in errors. */
  vendor?: string;
  /** Decides a wait after a 429 (see OnRateLimit); `true` waits even past maxRetryAfterMs. */
  onRateLimit?: OnRateLimit;
  /**
   * Read the body of a response to a repeatable request inside the attempt, so a connection that
   * drops mid-body is retried too. Default: always; false for streamed answers (exports).
   */
  bufferResponse?: (request: Request, call: Call) => boolean;
}

const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** Methods HTTP defines as idempotent, or a POST the server can deduplicate by its key (when the call does not say). */
export function defaultIsSafeToRetry(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || request.headers.has("idempotency-key");
}

export const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 425, 429, 500, 502, 503, 504];

/**
 * Re-sends a request that failed in a transient way, only when repeating it is safe.
 * Backoff is exponential with full jitter (random in [0, min(max, base * 2^(n-1)))) so many
 * clients that failed together do not come back together. A server-requested wait replaces
 * the backoff, within `maxRetryAfterMs`. The caller's signal always wins: an abort during a
 * sleep rejects at once with the caller's reason.
 */
export function withRetry(options: RetryOptions = {}): FetchLayer {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 4);
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
  const maxTotalWaitMs = options.maxTotalWaitMs ?? 90_000;
  const retryOn = new Set(options.retryOnStatus ?? DEFAULT_RETRY_STATUSES);
  const isSafe = options.isSafeToRetry ?? defaultIsSafeToRetry;
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const redactor = options.redactor ?? defaultRedactor;

  const backoff = (attempt: number): number => random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));

  const bufferResponse = options.bufferResponse ?? (() => true);

  return (next) => {
    if (maxAttempts === 1) return next;
    return async (request, call = createCall(request)) => {
      // A request that is not safe to repeat is still sent again when the server refused it (429)
      // or when no connection was made: in both cases nothing was applied.
      const safe = call.safeToRepeat ?? isSafe(request);
      if (!safe && hasBody(request) && call.body === undefined) return next(request, call);
      const buffer = safe && bufferResponse(request, call);

      const signal = call.callerSignal;
      const withBody = hasBody(request);
      let waited = 0;
      for (let attempt = 1; ; attempt++) {
        const last = attempt >= maxAttempts;
        // A body stream can be read once; tee it for every attempt that may be followed by
        // another, and send the original on the last one. A replayable body needs no copy.
        call.attempt = attempt;
        const attemptRequest = withBody && !last && call.body === undefined ? request.clone() : request;
        let delay: number;
        let reason: string;
        try {
          const response = await next(attemptRequest, call);
          if (last || !retryOn.has(response.status) || (!safe && response.status !== 429)) {
            if (buffer) await preloadBody(response);
            return response;
          }
          const serverWait = serverRequestedWait(response, clock.now());
          const decision =
            response.status === 429 && options.onRateLimit
              ? await options.onRateLimit({
                  source: "server",
                  waitMs: serverWait ?? backoff(attempt),
                  method: request.method,
                  url: redactor.redactUrl(request.url),
                  attempt,
                })
              : undefined;
          if (decision === false) return response;
          if (serverWait !== undefined) {
            // Asked to wait longer than we accept: let the caller see the answer now.
            if (serverWait > maxRetryAfterMs && decision !== true) return response;
            delay = serverWait;
          } else {
            delay = backoff(attempt);
          }
          if ((waited + delay > maxTotalWaitMs && decision !== true) || pastDeadline(call, delay)) return response;
          reason = `HTTP ${response.status}`;
          // Free the connection; this response is being replaced.
          await discardBody(response);
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          const network = isNetworkError(err);
          const attemptTimeout = err instanceof TimeoutError && err.scope === "request";
          if (!network && !attemptTimeout) throw err;
          const final = network ? toNetworkError(err, retryErrorContext(request, options, redactor)) : err;
          if (last) throw final;
          // Unsafe: only a connection never made is worth another try.
          if (!safe && !(final instanceof NetworkError && final.phase === "connect")) throw final;
          delay = backoff(attempt);
          if (waited + delay > maxTotalWaitMs) throw final;
          if (pastDeadline(call, delay)) throw totalTimeout(request, call, options, redactor, final);
          reason = network ? `network error: ${(final as Error).message}` : "request timeout";
        }
        options.onRetry?.({
          attempt,
          delayMs: delay,
          reason: redactor.redactText(reason),
          method: request.method,
          url: redactor.redactUrl(request.url),
        });
        await clock.sleep(delay, signal);
        waited += delay;
      }
    };
  };
}

/** Sleeping `delay` would end after the call's total deadline, if any. */
function pastDeadline(call: Call, delay: number): boolean {
  return call.deadline !== undefined && Date.now() + delay >= call.deadline.at;
}

function totalTimeout(request: Request, call: Call, options: RetryOptions, redactor: Redactor, cause: unknown): TimeoutError {
  const deadline = call.deadline;
  return timeoutErrorFor(
    request,
    deadline?.ms ?? 0,
    "total",
    options.vendor === undefined ? { redactor } : { redactor, vendor: options.vendor },
    cause,
  );
}

function retryErrorContext(
  request: Request,
  options: RetryOptions,
  redactor: Redactor,
): { request: Request; redactor: Redactor; vendor?: string } {
  return options.vendor === undefined ? { request, redactor } : { request, redactor, vendor: options.vendor };
}

/**
 * Retry-After first (it is explicitly about this response); then a reset time, but only when
 * the response says the budget is spent (a 429, or remaining 0), since a reset header on a
 * 500 says nothing about when the server recovers.
 */
function serverRequestedWait(response: Response, now: number): number | undefined {
  const retryAfter = parseRetryAfter(response.headers, now);
  if (retryAfter !== undefined) return retryAfter;
  const { remaining, resetAt } = parseRateLimitHeaders(response.headers, now);
  if (resetAt !== undefined && (response.status === 429 || remaining === 0)) return Math.max(0, resetAt - now);
  return undefined;
}
