import { TimeoutError } from './errors.js';
import { effectiveSignal, setEffectiveSignal } from './context.js';
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

/**
 * `sideChannel`: pass the deadline signal beside the request (see context.ts) instead of in a
 * new Request; only valid when everything below reads `effectiveSignal`, as in createPolicyFetch.
 */
export function deadline(ms: number, scope: 'request' | 'total', options: TimeoutOptions, sideChannel = false): FetchLayer {
  return (next) => async (request) => {
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
      const init: ConstructorParameters<typeof TimeoutError>[0] = {
        timeoutMs: ms,
        scope,
        method: request.method,
        url: request.url,
      };
      if (options.vendor !== undefined) init.vendor = options.vendor;
      if (options.redactor !== undefined) init.redactor = options.redactor;
      timedOut = new TimeoutError(init);
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

    // A fetch that ignores its signal must still not outlive the deadline.
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
    });
    aborted.catch(() => {});

    let response: Response;
    let pending: Promise<Response>;
    if (sideChannel) {
      setEffectiveSignal(request, controller.signal);
      pending = next(request);
    } else {
      pending = next(new Request(request, { signal: controller.signal }));
    }
    try {
      response = await Promise.race([pending, aborted]);
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
    return guardBody(response, controller.signal, finish, explain);
  };
}

const BODY_METHODS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;

/**
 * Extends the deadline over reading the body: a server that sends headers at once and then
 * trickles the body would otherwise hang the caller past the timeout. The body readers
 * (`json()`, `text()`, ...) are raced against the deadline and the `body` stream is wrapped on
 * first access. Why not always re-wrap the stream in a new Response: that costs ~15% of
 * loopback throughput, and this keeps the response object (url, redirected, type) intact.
 */
function guardBody(
  response: Response,
  signal: AbortSignal,
  finish: () => void,
  explain: (err: unknown) => unknown,
): Response {
  const original = response.body;
  if (original === null) return response;
  let guardedStream: ReadableStream<Uint8Array> | undefined;
  for (const name of BODY_METHODS) {
    const read = (response as unknown as Record<string, unknown>)[name];
    if (typeof read !== 'function') continue;
    Object.defineProperty(response, name, {
      configurable: true,
      writable: true,
      value: (): Promise<unknown> =>
        new Promise<unknown>((resolve, reject) => {
          const onAbort = (): void => {
            finish();
            reject(explain(signal.reason));
            original.cancel(signal.reason).catch(() => {});
          };
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          (read as () => Promise<unknown>).call(response).then(
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
        }),
    });
  }
  Object.defineProperty(response, 'body', {
    configurable: true,
    get: () => (guardedStream ??= guardStream(original, signal, finish, explain)),
  });
  return response;
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
