import { TimeoutError } from './errors.js';
import { deadlineOf, effectiveSignal, rebuildRequest, setDeadline, setEffectiveSignal } from './context.js';
import type { FetchLayer, FetchLike } from './fetch.js';
import type { Redactor } from './redact.js';

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

/**
 * One attempt's deadline: `requestMs` (0 = none) or what is left of the total deadline marked by
 * `totalDeadline`, whichever ends first. `sideChannel`: pass the signal beside the request (see
 * context.ts); only valid when the base fetch reads `effectiveSignal`, as in createPolicyFetch.
 */
export function attemptDeadline(requestMs: number, options: TimeoutOptions, sideChannel: boolean): FetchLayer {
  return (next) => (request) => {
    const total = deadlineOf(request);
    if (total === undefined) {
      return requestMs > 0 ? runWithin(next, request, requestMs, 'request', requestMs, options, sideChannel) : next(request);
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
  options: TimeoutOptions,
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
  const explain = (err: unknown): unknown => {
    if (caller.aborted) return caller.reason;
    if (timedOut) return timedOut;
    return err;
  };

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
    throw explain(err);
  }

  if (sideChannel) setEffectiveSignal(request, caller);
  // Nothing to read, or openapi-fetch will not read it (Content-Length: 0): done now.
  if (response.body === null || response.headers.get('content-length') === '0') {
    finish();
    return response;
  }
  return guardBody(response, { original: response.body, signal: controller.signal, finish, explain });
}

const BODY_METHODS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;
type BodyMethod = (typeof BODY_METHODS)[number];

interface Guard {
  original: ReadableStream<Uint8Array>;
  signal: AbortSignal;
  finish: () => void;
  explain: (err: unknown) => unknown;
  stream?: ReadableStream<Uint8Array>;
}

const GUARD = Symbol('cdpkit.bodyGuard');
type Guarded = Response & { [GUARD]: Guard };

/** One shared reader per body method (no closures per response): races the read with the deadline. */
function guardedReader(name: BodyMethod): (this: Guarded) => Promise<unknown> {
  const read = Response.prototype[name] as (this: Response) => Promise<unknown>;
  return function (this: Guarded) {
    const guard = this[GUARD];
    const { signal, finish, explain, original } = guard;
    return new Promise<unknown>((resolve, reject) => {
      const onAbort = (): void => {
        finish();
        reject(explain(signal.reason));
        original.cancel(signal.reason).catch(() => {});
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      read.call(this).then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          finish();
          resolve(value);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort);
          finish();
          reject(explain(err));
        },
      );
    });
  };
}

const GUARDED_READERS = Object.fromEntries(BODY_METHODS.map((name) => [name, guardedReader(name)])) as Record<
  BodyMethod,
  (this: Guarded) => Promise<unknown>
>;

function guardedBody(this: Guarded): ReadableStream<Uint8Array> {
  const guard = this[GUARD];
  return (guard.stream ??= guardStream(guard.original, guard.signal, guard.finish, guard.explain));
}

/**
 * Extends the deadline over reading the body: a server that sends headers at once and then
 * trickles the body would otherwise hang the caller past the timeout. The body readers
 * (`json()`, `text()`, ...) are raced against the deadline and the `body` stream is wrapped on
 * first access. Why not always re-wrap the stream in a new Response: that costs ~15% of
 * loopback throughput, and this keeps the response object (url, redirected, type) intact.
 * The readers are shared functions assigned as own properties (cheaper than a closure each).
 */
function guardBody(response: Response, guard: Guard): Response {
  const guarded = response as Guarded;
  guarded[GUARD] = guard;
  const target = guarded as unknown as Record<BodyMethod, unknown>;
  for (const name of BODY_METHODS) {
    if (typeof Response.prototype[name] === 'function') target[name] = GUARDED_READERS[name];
  }
  Object.defineProperty(guarded, 'body', { configurable: true, get: guardedBody });
  return guarded;
}

/** A stream that ends with the deadline: errors with the TimeoutError (or caller reason). */
function guardStream(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  finish: () => void,
  explain: (err: unknown) => unknown,
): ReadableStream<Uint8Array> {
  // The reader is taken on first pull so that touching `response.body` alone does not lock
  // the original stream (json() keeps working, as on a plain Response).
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  const fail = (reason: unknown): void => {
    if (done) return;
    done = true;
    finish();
    signal.removeEventListener('abort', onAbort);
    streamController?.error(explain(reason));
    (reader ? reader.cancel(reason) : body.cancel(reason)).catch(() => {});
  };
  const onAbort = (): void => fail(signal.reason);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        streamController = controller;
      },
      async pull(controller) {
        if (!reader) {
          if (signal.aborted) return fail(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          reader = body.getReader();
        }
        try {
          const chunk = await reader.read();
          if (done) return;
          if (chunk.done) {
            done = true;
            finish();
            signal.removeEventListener('abort', onAbort);
            controller.close();
          } else {
            controller.enqueue(chunk.value);
          }
        } catch (err) {
          fail(err);
        }
      },
      cancel(reason) {
        done = true;
        finish();
        signal.removeEventListener('abort', onAbort);
        return reader ? reader.cancel(reason) : body.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
