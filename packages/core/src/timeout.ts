import { TimeoutError } from './errors.js';
import { deadlineOf, effectiveSignal, rebuildRequest, setDeadline, setEffectiveSignal } from './context.js';
import type { FetchLayer, FetchLike } from './fetch.js';
import type { Redactor } from './redact.js';
import { bodyErrorExplainer, DEFAULT_MAX_RESPONSE_BYTES, guardBody } from './body.js';

export interface TimeoutOptions {
  /** One attempt: waiting for headers AND reading the body. Put this layer inside retry. */
  requestTimeoutMs?: number;
  /** Everything: all attempts, backoff and rate-limit waits, and the body. Put it outside retry. */
  totalTimeoutMs?: number;
  /** Named in the TimeoutError. */
  vendor?: string;
  /** Scrubs the URL stored on the TimeoutError. */
  redactor?: Redactor;
}

/**
 * Deadlines as layers. With both options set, the total deadline wraps the request deadline
 * at this position; to bound retries as a whole use two layers: `withTimeout({ totalTimeoutMs })`
 * outside retry and `withTimeout({ requestTimeoutMs })` inside it (createPolicyFetch does).
 */
export function withTimeout(options: TimeoutOptions): FetchLayer {
  const layers: FetchLayer[] = [];
  if (options.totalTimeoutMs !== undefined && options.totalTimeoutMs > 0) {
    layers.push(deadline(options.totalTimeoutMs, 'total', options));
  }
  if (options.requestTimeoutMs !== undefined && options.requestTimeoutMs > 0) {
    layers.push(deadline(options.requestTimeoutMs, 'request', options));
  }
  return (next) => layers.reduceRight<FetchLike>((inner, layer) => layer(inner), next);
}

/** A TimeoutError for `request`, naming the configured length and scope. */
export function timeoutErrorFor(
  request: Request,
  ms: number,
  scope: 'request' | 'total',
  options: Pick<TimeoutOptions, 'vendor' | 'redactor'>,
  cause?: unknown,
): TimeoutError {
  const init: ConstructorParameters<typeof TimeoutError>[0] = { timeoutMs: ms, scope, method: request.method, url: request.url };
  if (options.vendor !== undefined) init.vendor = options.vendor;
  if (options.redactor !== undefined) init.redactor = options.redactor;
  if (cause !== undefined) init.cause = cause;
  return new TimeoutError(init);
}

/**
 * A layer with its own deadline: one controller and one timer per call. Used by `withTimeout`,
 * which works over any fetch (the signal goes into a new Request).
 */
export function deadline(ms: number, scope: 'request' | 'total', options: TimeoutOptions): FetchLayer {
  return (next) => (request) => runWithin(next, request, ms, scope, ms, options, false);
}

/**
 * The total deadline as a mark on the request, for createPolicyFetch: no timer and no
 * controller of its own. The attempt layer below arms one timer for the earlier of the two
 * deadlines, and retry and rate limit stop waiting when the mark has passed. Why: two
 * controllers, timers and body guards per call cost ~10% of loopback throughput.
 */
export function totalDeadline(ms: number): FetchLayer {
  return (next) => (request) => {
    const at = Date.now() + ms;
    const outer = deadlineOf(request);
    if (outer === undefined || outer.at > at) setDeadline(request, { at, ms });
    return next(request);
  };
}

export interface AttemptOptions extends TimeoutOptions {
  /** Cap on a buffered 2xx body (streams are exempt). Default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

/**
 * One attempt's deadline: `requestMs` (0 = none) or what is left of the total deadline marked by
 * `totalDeadline`, whichever ends first; and the body guard (body.ts) on every response, deadline
 * or not. `sideChannel`: pass the signal beside the request (see context.ts); only valid when the
 * base fetch reads `effectiveSignal`, as in createPolicyFetch.
 */
export function attemptDeadline(requestMs: number, options: AttemptOptions, sideChannel: boolean): FetchLayer {
  return (next) => (request) => {
    const total = deadlineOf(request);
    if (total === undefined) {
      return requestMs > 0 ? runWithin(next, request, requestMs, 'request', requestMs, options, sideChannel) : runUnbounded(next, request, options, sideChannel);
    }
    const left = total.at - Date.now();
    if (left <= 0) return Promise.reject(timeoutErrorFor(request, total.ms, 'total', options));
    if (requestMs > 0 && requestMs <= left) {
      return runWithin(next, request, requestMs, 'request', requestMs, options, sideChannel);
    }
    return runWithin(next, request, left, 'total', total.ms, options, sideChannel);
  };
}

async function runWithin(
  next: FetchLike,
  request: Request,
  ms: number,
  scope: 'request' | 'total',
  reportMs: number,
  options: AttemptOptions,
  sideChannel: boolean,
): Promise<Response> {
  const caller = sideChannel ? effectiveSignal(request) : request.signal;
  if (caller.aborted) throw caller.reason;

  // One controller per call, linked to the caller's signal by a listener we remove when the
  // response body is done. Why not AbortSignal.any: on Node 20 signals derived from a
  // long-lived parent are retained until GC, and this path runs for every request.
  const controller = new AbortController();
  let timedOut: TimeoutError | undefined;
  let settled = false;

  const onCallerAbort = (): void => controller.abort(caller.reason);
  caller.addEventListener('abort', onCallerAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = timeoutErrorFor(request, reportMs, scope, options);
    controller.abort(timedOut);
  }, ms);
  const finish = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    caller.removeEventListener('abort', onCallerAbort);
  };
  /** The caller's reason wins; then our deadline; otherwise the error as it came. */
  const explain = bodyErrorExplainer(request, caller, () => timedOut, options);

  let response: Response;
  let pending: Promise<Response>;
  if (sideChannel) {
    setEffectiveSignal(request, controller.signal);
    pending = next(request);
  } else {
    pending = next(rebuildRequest(request, { signal: controller.signal }));
  }
  try {
    if (sideChannel) {
      // The base fetch is globalThis.fetch with our signal: it rejects on abort by itself.
      response = await pending;
    } else {
      // A fetch that ignores its signal must still not outlive the deadline.
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      response = await Promise.race([pending, aborted]);
    }
  } catch (err) {
    // The fetch below has taken its signal; a retry re-sending this same object must start
    // from the parent signal, not from our (possibly aborted) one.
    if (sideChannel) setEffectiveSignal(request, caller);
    finish();
    // If the deadline won the race, free whatever the fetch eventually returns.
    pending.then(
      (late) => late.body?.cancel().catch(() => {}),
      () => {},
    );
    if (caller.aborted) throw caller.reason;
    if (timedOut) throw timedOut;
    throw err;
  }

  if (sideChannel) setEffectiveSignal(request, caller);
  return guardBody(response, { signal: controller.signal, finish, explain, request, maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, ...context(options) });
}

function context(options: AttemptOptions): { vendor?: string; redactor?: Redactor } {
  const out: { vendor?: string; redactor?: Redactor } = {};
  if (options.vendor !== undefined) out.vendor = options.vendor;
  if (options.redactor !== undefined) out.redactor = options.redactor;
  return out;
}

/** No deadline at all: the body is still guarded (typed read failures, size caps, the caller's signal). */
async function runUnbounded(next: FetchLike, request: Request, options: AttemptOptions, sideChannel: boolean): Promise<Response> {
  const caller = sideChannel ? effectiveSignal(request) : request.signal;
  const response = await next(request);
  const explain = bodyErrorExplainer(request, caller, () => undefined, options);
  return guardBody(response, { signal: caller, finish: () => {}, explain, request, maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES, ...context(options) });
}
