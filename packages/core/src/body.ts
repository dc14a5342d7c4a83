import { isNetworkError, ResponseTooLargeError, TimeoutError, toNetworkError } from './errors.js';
import type { Redactor } from './redact.js';

/**
 * Everything that can go wrong after the response head arrived: the body trickles past the
 * deadline, the connection drops mid-body, the body is far larger than anything the operation
 * documents. The guard installed here turns each into a typed error (TimeoutError, NetworkError
 * with phase `body`, ResponseTooLargeError) instead of a raw `TypeError: terminated` or a 50 MB
 * buffer, and lets the retry layer read the body inside the attempt (`preloadBody`) so a failure
 * while reading it is retried like any other failure of a request that is safe to repeat.
 */

/** Default cap on a buffered (non-streamed) response body. Generous: no documented answer comes near it. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** An error answer is kept up to this many bytes: enough for any vendor's explanation. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface BodyGuardOptions {
  /** Ends reading: the attempt deadline or the caller's signal. */
  readonly signal?: AbortSignal;
  /** Called once when the body is done (read, failed, cancelled): frees the deadline timer. */
  readonly finish: () => void;
  /** Maps an abort or read failure to the error the caller sees. */
  readonly explain: (err: unknown) => unknown;
  readonly maxResponseBytes: number;
  readonly request: Request;
  readonly vendor?: string;
  readonly redactor?: Redactor;
}

interface Guard extends BodyGuardOptions {
  readonly original: ReadableStream<Uint8Array>;
  stream?: ReadableStream<Uint8Array>;
  /** The whole body, once preloadBody or a reader has read it. */
  bytes?: Uint8Array;
}

const BODY_METHODS = ['arrayBuffer', 'blob', 'bytes', 'formData', 'json', 'text'] as const;
type BodyMethod = (typeof BODY_METHODS)[number];

const GUARD = Symbol('cdpkit.bodyGuard');
type Guarded = Response & { [GUARD]: Guard };

const decoder = new TextDecoder();

/** Turns read bytes into what the body method returns, as the native method would. */
function convert(response: Response, name: BodyMethod, bytes: Uint8Array): unknown {
  switch (name) {
    case 'text':
      return decoder.decode(bytes);
    case 'json':
      return JSON.parse(decoder.decode(bytes));
    case 'arrayBuffer':
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    case 'bytes':
      return bytes;
    case 'blob':
      return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: response.headers.get('content-type') ?? '' });
    case 'formData':
      return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: response.headers }).formData();
  }
}

/**
 * Reads the whole body within the caps: a 2xx longer than `maxResponseBytes` fails with
 * ResponseTooLargeError; an error answer is cut to MAX_ERROR_BODY_BYTES (its excerpt is all an error
 * keeps). A declared length is checked before reading a byte.
 */
async function readCapped(response: Response, guard: Guard): Promise<Uint8Array> {
  const limit = response.ok ? guard.maxResponseBytes : MAX_ERROR_BODY_BYTES;
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (response.ok && declared > limit) {
    guard.original.cancel().catch(() => {});
    throw tooLarge(guard);
  }
  // The server said how long the body is and it fits: the native reader is the fastest way in.
  if (declared <= limit) return new Uint8Array(await Response.prototype.arrayBuffer.call(response));
  const reader = guard.original.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (size + value.byteLength > limit) {
        reader.cancel().catch(() => {});
        if (response.ok) throw tooLarge(guard);
        chunks.push(value.subarray(0, limit - size));
        size = limit;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function tooLarge(guard: Guard): ResponseTooLargeError {
  return new ResponseTooLargeError({
    limitBytes: guard.maxResponseBytes,
    method: guard.request.method,
    url: guard.request.url,
    ...(guard.vendor === undefined ? {} : { vendor: guard.vendor }),
    ...(guard.redactor === undefined ? {} : { redactor: guard.redactor }),
  });
}

/** Reads once, under the guard's signal; later calls get the same bytes. */
function readOnce(response: Guarded): Promise<Uint8Array> {
  const guard = response[GUARD];
  if (guard.bytes) return Promise.resolve(guard.bytes);
  const { signal, finish, explain, original } = guard;
  return new Promise<Uint8Array>((resolve, reject) => {
    const onAbort = (): void => {
      finish();
      reject(explain(signal!.reason));
      original.cancel(signal!.reason).catch(() => {});
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    readCapped(response, guard).then(
      (bytes) => {
        signal?.removeEventListener('abort', onAbort);
        finish();
        guard.bytes = bytes;
        resolve(bytes);
      },
      (err: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        finish();
        reject(explain(err));
      },
    );
  });
}

/** One shared reader per body method (no closures per response). */
function guardedReader(name: BodyMethod): (this: Guarded) => Promise<unknown> {
  return function (this: Guarded) {
    return readOnce(this).then((bytes) => convert(this, name, bytes));
  };
}

const GUARDED_READERS = Object.fromEntries(BODY_METHODS.map((name) => [name, guardedReader(name)])) as Record<
  BodyMethod,
  (this: Guarded) => Promise<unknown>
>;

function guardedBody(this: Guarded): ReadableStream<Uint8Array> | null {
  const guard = this[GUARD];
  if (guard.bytes) {
    const bytes = guard.bytes;
    return (guard.stream ??= new ReadableStream<Uint8Array>({
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(bytes);
        controller.close();
      },
    }));
  }
  return (guard.stream ??= guardStream(guard));
}

/**
 * The error a failure while the body is read becomes: the caller's abort reason, the deadline's
 * TimeoutError, a NetworkError (phase `body`) for a dropped connection; parse errors stay as they are.
 */
export function bodyErrorExplainer(
  request: Request,
  caller: AbortSignal | undefined,
  timedOut: () => TimeoutError | undefined,
  context: { vendor?: string; redactor?: Redactor },
): (err: unknown) => unknown {
  return (err) => {
    if (caller?.aborted) return caller.reason;
    const timeout = timedOut();
    if (timeout) return timeout;
    if (isNetworkError(err)) return toNetworkError(err, { ...context, request, phase: 'body' });
    return err;
  };
}

/**
 * Installs the guard on `response` in place (keeping url, redirected, type): the body readers read
 * within the caps and the signal, `body` becomes a stream that ends with the signal. Why not a new
 * Response: building one per call costs ~15% of loopback throughput.
 */
export function guardBody(response: Response, options: BodyGuardOptions): Response {
  if (response.body === null) {
    options.finish();
    return response;
  }
  const guarded = response as Guarded;
  guarded[GUARD] = { ...options, original: response.body };
  const target = guarded as unknown as Record<BodyMethod, unknown>;
  for (const name of BODY_METHODS) {
    if (typeof Response.prototype[name] === 'function') target[name] = GUARDED_READERS[name];
  }
  Object.defineProperty(guarded, 'body', { configurable: true, get: guardedBody });
  Object.defineProperty(guarded, 'bodyUsed', { configurable: true, get: () => guarded[GUARD].bytes !== undefined || guarded[GUARD].original.locked });
  return guarded;
}

/**
 * Reads a guarded body now, so a failure surfaces inside the attempt (where retry sees it) rather
 * than later in the caller's `json()`. The readers then answer from the bytes read.
 */
export async function preloadBody(response: Response): Promise<void> {
  const guarded = response as Partial<Guarded>;
  if (guarded[GUARD] === undefined) return;
  await readOnce(guarded as Guarded);
}

/** True when the guard is installed (the policy fetch always installs it). */
export function isGuarded(response: Response): boolean {
  return (response as Partial<Guarded>)[GUARD] !== undefined;
}

/** A stream that ends with the signal: errors with the explained reason. Streams are not capped. */
function guardStream(guard: Guard): ReadableStream<Uint8Array> {
  const { original: body, signal, finish, explain } = guard;
  // The reader is taken on first pull so that touching `response.body` alone does not lock
  // the original stream (json() keeps working, as on a plain Response).
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  const fail = (reason: unknown): void => {
    if (done) return;
    done = true;
    finish();
    signal?.removeEventListener('abort', onAbort);
    streamController?.error(explain(reason));
    (reader ? reader.cancel(reason) : body.cancel(reason)).catch(() => {});
  };
  const onAbort = (): void => fail(signal!.reason);
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        streamController = controller;
      },
      async pull(controller) {
        if (!reader) {
          if (signal?.aborted) return fail(signal.reason);
          signal?.addEventListener('abort', onAbort, { once: true });
          reader = body.getReader();
        }
        try {
          const chunk = await reader.read();
          if (done) return;
          if (chunk.done) {
            done = true;
            finish();
            signal?.removeEventListener('abort', onAbort);
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
        signal?.removeEventListener('abort', onAbort);
        return reader ? reader.cancel(reason) : body.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
