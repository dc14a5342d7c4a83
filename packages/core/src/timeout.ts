import { TimeoutError } from "./errors.js";
import { createCall, rebuildRequest, type Call } from "./call.js";
import type { FetchLayer, Transport } from "./fetch.js";
import type { Redactor } from "./redact.js";
import { bodyErrorExplainer, DEFAULT_MAX_RESPONSE_BYTES, discardBody, guardBody } from "./body.js";
import { onAbort } from "./abort.js";

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
    layers.push(deadline(options.totalTimeoutMs, "total", options));
  }
  if (options.requestTimeoutMs !== undefined && options.requestTimeoutMs > 0) {
    layers.push(deadline(options.requestTimeoutMs, "request", options));
  }
  return (next) => layers.reduceRight<Transport>((inner, layer) => layer(inner), next);
}

/** A TimeoutError for `request`, naming the configured length and scope. */
export function timeoutErrorFor(
  request: Request,
  ms: number,
  scope: "request" | "total",
  options: Pick<TimeoutOptions, "vendor" | "redactor">,
  cause?: unknown,
): TimeoutError {
  const init: ConstructorParameters<typeof TimeoutError>[0] = { timeoutMs: ms, scope, method: request.method, url: request.url };
  if (options.vendor !== undefined) init.vendor = options.vendor;
  if (options.redactor !== undefined) init.redactor = options.redactor;
  if (cause !== undefined) init.cause = cause;
  return new TimeoutError(init);
}

/**
 * A layer with its own deadline, usable over any fetch: one controller and one timer per call; the
 * signal goes into a new Request, and a fetch that ignores it still cannot outlive the deadline.
 */
export function deadline(ms: number, scope: "request" | "total", options: TimeoutOptions): FetchLayer {
  return (next) =>
    (request, call = createCall(request)) =>
      runWithin(next, request, call, ms, scope, ms, options, true);
}

/**
 * The total deadline as a mark on the call, for createPolicyFetch: no timer and no controller of its
 * own. The attempt layer below arms one timer for the earlier of the two deadlines, and retry and
 * rate limit stop waiting when the mark has passed. Why: two controllers, timers and body guards per
 * call cost ~10% of loopback throughput.
 */
export function totalDeadline(ms: number): FetchLayer {
  return (next) =>
    (request, call = createCall(request)) => {
      const at = Date.now() + ms;
      if (call.deadline === undefined || call.deadline.at > at) call.deadline = { at, ms };
      return next(request, call);
    };
}

export interface AttemptOptions extends TimeoutOptions {
  /** Cap on a buffered 2xx body (streams are exempt). Default DEFAULT_MAX_RESPONSE_BYTES. */
  maxResponseBytes?: number;
}

/**
 * One attempt's deadline: `requestMs` (0 = none) or what is left of the call's total deadline,
 * whichever ends first; and the body guard (body.ts) on every response, deadline or not. The
 * attempt's signal goes to the transport as `call.signal`.
 */
export function attemptDeadline(requestMs: number, options: AttemptOptions): FetchLayer {
  return (next) =>
    (request, call = createCall(request)) => {
      const total = call.deadline;
      if (total === undefined) {
        return requestMs > 0
          ? runWithin(next, request, call, requestMs, "request", requestMs, options, false)
          : runUnbounded(next, request, call, options);
      }
      const left = total.at - Date.now();
      if (left <= 0) return Promise.reject(timeoutErrorFor(request, total.ms, "total", options));
      if (requestMs > 0 && requestMs <= left) return runWithin(next, request, call, requestMs, "request", requestMs, options, false);
      return runWithin(next, request, call, left, "total", total.ms, options, false);
    };
}

async function runWithin(
  next: Transport,
  request: Request,
  call: Call,
  ms: number,
  scope: "request" | "total",
  reportMs: number,
  options: AttemptOptions,
  /** Standalone over any fetch: the signal goes into a new Request, and the fetch is raced. */
  standalone: boolean,
): Promise<Response> {
  const caller = call.signal;
  if (caller.aborted) throw caller.reason;

  // One controller per attempt, linked to the caller's signal by a listener we remove when the
  // response body is done. Why not AbortSignal.any: on Node 20 signals derived from a
  // long-lived parent are retained until GC, and this path runs for every request.
  const controller = new AbortController();
  let timedOut: TimeoutError | undefined;
  let settled = false;

  const stopWatchingCaller = onAbort(caller, () => controller.abort(caller.reason));
  const timer = setTimeout(() => {
    timedOut = timeoutErrorFor(request, reportMs, scope, options);
    controller.abort(timedOut);
  }, ms);
  const finish = (): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stopWatchingCaller();
  };
  const explain = bodyErrorExplainer(request, caller, () => timedOut, options);

  let response: Response;
  // The transport honours the attempt's signal; a retry then starts again from the caller's.
  call.signal = controller.signal;
  const pending = standalone ? next(rebuildRequest(request, call, { signal: controller.signal }), call) : next(request, call);
  try {
    if (standalone) {
      const aborted = new Promise<never>((_, reject) => {
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason), { once: true });
      });
      aborted.catch(() => {});
      response = await Promise.race([pending, aborted]);
    } else {
      response = await pending;
    }
  } catch (err) {
    call.signal = caller;
    finish();
    // If the deadline won the race, free whatever the fetch eventually returns.
    pending.then(
      (late) => discardBody(late),
      () => {},
    );
    if (caller.aborted) throw caller.reason;
    if (timedOut) throw timedOut;
    throw err;
  }
  call.signal = caller;
  return guardBody(response, {
    signal: controller.signal,
    finish,
    explain,
    request,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...context(options),
  });
}

function context(options: AttemptOptions): { vendor?: string; redactor?: Redactor } {
  const out: { vendor?: string; redactor?: Redactor } = {};
  if (options.vendor !== undefined) out.vendor = options.vendor;
  if (options.redactor !== undefined) out.redactor = options.redactor;
  return out;
}

/** No deadline at all: the body is still guarded (typed read failures, size caps, the caller's signal). */
async function runUnbounded(next: Transport, request: Request, call: Call, options: AttemptOptions): Promise<Response> {
  const caller = call.signal;
  const response = await next(request, call);
  const explain = bodyErrorExplainer(request, caller, () => undefined, options);
  return guardBody(response, {
    signal: caller,
    finish: () => {},
    explain,
    request,
    maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...context(options),
  });
}
