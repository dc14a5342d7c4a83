import { isNetworkError, ResponseTooLargeError, TimeoutError, toNetworkError } from "./errors.js";
import type { Redactor } from "./redact.js";
import { onAbort } from "./abort.js";

// Spelled through the runtime's own types so the declarations read the same on TypeScript 5.4 (no generic
// typed arrays) and without the DOM lib (a Node project typed by @types/node alone): on 5.7+ `Bytes` is
// `Uint8Array<ArrayBuffer>`, as Response's members are typed there.
type Bytes = ReturnType<Uint8Array["slice"]>;
type HeadersLike = ConstructorParameters<typeof Headers>[0];
type ResponseKind = Response["type"];

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

const decoder = new TextDecoder();

/**
 * Where a response's bytes come from: fetch's web stream (`webBodySource`), or the Node transport's
 * socket. The response the policies hand up reads through it, so neither transport's body is wrapped
 * in a second stream.
 */
export interface BodySource {
  /**
   * The whole body. Past `limit` bytes: the first `limit` bytes when `truncate`, otherwise undefined
   * (the rest is cancelled).
   */
  readAll(limit: number, truncate: boolean): Promise<Uint8Array | undefined>;
  /** The body piece by piece, as it arrives: never buffered whole. */
  stream(): ReadableStream<Uint8Array>;
  /** Stops reading and frees the connection; later reads fail with `reason`. */
  cancel(reason?: unknown): Promise<void>;
  /** Reading has begun (`bodyUsed`). */
  readonly disturbed: boolean;
}

/** What a response is besides its body (a `Response` is one). */
export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeadersLike;
  readonly url: string;
  readonly redirected: boolean;
  readonly type: ResponseKind;
}

/**
 * The response the policies hand up: a head, and a body read through its source and, once guarded,
 * within the guard's signal and caps. Built without a body of its own (no stream is re-wrapped, which
 * costs ~15% of loopback throughput): the readers and `body` read the source.
 *
 * Defined on first use: `extends Response` reads the global `Response`, and on Node that getter loads
 * the runtime's bundled undici (tens of ms), which an import of this package must not pay.
 */
function defineGuardedResponse() {
  return class GuardedResponse extends Response {
    readonly #head: ResponseHead;
    /** Undefined: the answer has no body (HEAD, 204, 304). */
    readonly #source: BodySource | undefined;
    #guard: BodyGuardOptions | undefined;
    #bytes: Uint8Array | undefined;
    #reading: Promise<Uint8Array> | undefined;
    #stream: ReadableStream<Uint8Array> | undefined;

    constructor(head: ResponseHead, source: BodySource | undefined, guard: BodyGuardOptions | undefined) {
      super(null, { status: head.status, statusText: head.statusText, headers: head.headers });
      this.#head = head;
      this.#source = source;
      this.#guard = guard;
    }

    /** Puts an unguarded response (the Node transport's) under `guard`; false when it already has one. */
    guard(guard: BodyGuardOptions): boolean {
      if (this.#guard !== undefined || this.#reading !== undefined || this.#stream !== undefined) return false;
      this.#guard = guard;
      if (this.#source === undefined) guard.finish();
      return true;
    }

    override get url(): string {
      return this.#head.url;
    }
    override get redirected(): boolean {
      return this.#head.redirected;
    }
    override get type(): ResponseKind {
      return this.#head.type;
    }
    override get body(): ReadableStream<Bytes> | null {
      if (this.#source === undefined) return null;
      const bytes = this.#bytes;
      if (bytes) {
        return (this.#stream ??= new ReadableStream<Uint8Array>({
          start(controller) {
            if (bytes.byteLength > 0) controller.enqueue(bytes);
            controller.close();
          },
        })) as ReadableStream<Bytes>;
      }
      return (this.#stream ??= guardStream(this.#source, this.#guard)) as ReadableStream<Bytes>;
    }
    override get bodyUsed(): boolean {
      return this.#reading !== undefined || (this.#source?.disturbed ?? false);
    }

    /** Reads the whole body once, within the caps and the signal; later reads get the same bytes. */
    read(): Promise<Uint8Array> {
      return (this.#reading ??= this.#readOnce());
    }

    /** Frees the connection of a response nobody will read (a redirect, a retried answer). */
    discard(): Promise<void> {
      if (this.#reading !== undefined || this.#stream !== undefined) return this.#stream?.cancel().catch(() => {}) ?? Promise.resolve();
      this.#guard?.finish();
      return this.#source?.cancel() ?? Promise.resolve();
    }

    #readOnce(): Promise<Uint8Array> {
      const source = this.#source;
      if (source === undefined) return Promise.resolve((this.#bytes = new Uint8Array(0)));
      const guard = this.#guard;
      if (guard === undefined) return source.readAll(Infinity, false).then((bytes) => (this.#bytes = bytes!));
      const { signal, finish, explain } = guard;
      return new Promise<Uint8Array>((resolve, reject) => {
        const abort = (): void => {
          finish();
          reject(explain(signal!.reason));
          source.cancel(signal!.reason).catch(() => {});
        };
        if (signal?.aborted) return abort();
        const stopWatching = signal && onAbort(signal, abort);
        readCapped(this, source, guard).then(
          (bytes) => {
            stopWatching?.();
            finish();
            this.#bytes = bytes;
            resolve(bytes);
          },
          (err: unknown) => {
            stopWatching?.();
            finish();
            reject(explain(err));
          },
        );
      });
    }

    override arrayBuffer(): Promise<ArrayBuffer> {
      return this.read().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
    }
    override bytes(): Promise<Bytes> {
      return this.read() as Promise<Bytes>;
    }
    override text(): Promise<string> {
      return this.read().then((b) => decoder.decode(b));
    }
    override json(): Promise<unknown> {
      return this.text().then((t) => JSON.parse(t) as unknown);
    }
    override blob(): Promise<Blob> {
      return this.read().then((b) => new Blob([b as Bytes], { type: this.headers.get("content-type") ?? "" }));
    }
    override formData(): Promise<FormData> {
      return this.read().then((b) => new Response(b as Bytes, { headers: this.headers }).formData());
    }
    override clone(): Response {
      // A clone shares the bytes once read; before that, both sides would race for one stream.
      if (this.#source !== undefined && !this.#bytes) {
        throw new TypeError("clone() of a cdpkit response is possible once its body has been read");
      }
      return new Response(this.#source === undefined ? null : (this.#bytes as Bytes), {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
      });
    }
  };
}

type GuardedResponse = InstanceType<ReturnType<typeof defineGuardedResponse>>;
let guardedResponseClass: ReturnType<typeof defineGuardedResponse> | undefined;
const newGuardedResponse = (head: ResponseHead, source: BodySource | undefined, guard: BodyGuardOptions | undefined): GuardedResponse =>
  new (guardedResponseClass ??= defineGuardedResponse())(head, source, guard);
const isGuarded = (response: Response): response is GuardedResponse =>
  guardedResponseClass !== undefined && response instanceof guardedResponseClass;

/** A response read through `source` (a transport's own answer), put under a guard later by guardBody. */
export function sourcedResponse(head: ResponseHead, source: BodySource | undefined): Response {
  return newGuardedResponse(head, source, undefined);
}

/** Frees a response's connection without reading it: cheaper than `body.cancel()` on a transport's own answer. */
export function discardBody(response: Response): Promise<void> {
  if (isGuarded(response)) return response.discard();
  return response.body?.cancel().catch(() => {}) ?? Promise.resolve();
}

/** A fetch `Response`'s body as a BodySource. */
export function webBodySource(response: Response, body: ReadableStream<Uint8Array>): BodySource {
  return {
    get disturbed() {
      return body.locked;
    },
    stream: () => body,
    cancel: (reason) => body.cancel(reason).catch(() => {}),
    async readAll(limit, truncate) {
      // The server said how long the body is and it fits: the native reader is the fastest way in.
      const declared = Number(response.headers.get("content-length") ?? NaN);
      if (declared <= limit) return new Uint8Array(await response.arrayBuffer());
      const reader = body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (size + value.byteLength > limit) {
            reader.cancel().catch(() => {});
            if (!truncate) return undefined;
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
      return concat(chunks, size);
    },
  };
}

/** One array of `size` bytes from `chunks` (the first chunk itself when it is all there is). */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]!.byteLength === size) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    const part = chunk.byteLength > size - at ? chunk.subarray(0, size - at) : chunk;
    out.set(part, at);
    at += part.byteLength;
    if (at === size) break;
  }
  return out;
}

/**
 * Reads the whole body within the caps: a 2xx longer than `maxResponseBytes` fails with
 * ResponseTooLargeError; an error answer is cut to MAX_ERROR_BODY_BYTES (its excerpt is all an error
 * keeps). A declared length is checked before reading a byte.
 */
async function readCapped(response: Response, source: BodySource, guard: BodyGuardOptions): Promise<Uint8Array> {
  const limit = response.ok ? guard.maxResponseBytes : MAX_ERROR_BODY_BYTES;
  if (response.ok && Number(response.headers.get("content-length") ?? NaN) > limit) {
    source.cancel().catch(() => {});
    throw tooLarge(guard);
  }
  const bytes = await source.readAll(limit, !response.ok);
  if (bytes === undefined) throw tooLarge(guard);
  return bytes;
}

function tooLarge(guard: BodyGuardOptions): ResponseTooLargeError {
  return new ResponseTooLargeError({
    limitBytes: guard.maxResponseBytes,
    method: guard.request.method,
    url: guard.request.url,
    ...(guard.vendor === undefined ? {} : { vendor: guard.vendor }),
    ...(guard.redactor === undefined ? {} : { redactor: guard.redactor }),
  });
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
    if (isNetworkError(err)) return toNetworkError(err, { ...context, request, phase: "body" });
    return err;
  };
}

/**
 * The response with its body under the guard (see GuardedResponse). A response without a body (or a
 * status a Response cannot be built with, such as an opaque redirect) is returned as it is.
 */
export function guardBody(response: Response, options: BodyGuardOptions): Response {
  if (isGuarded(response) && response.guard(options)) return response;
  const body = response.body;
  if (body === null || response.status < 200 || response.status > 599) {
    options.finish();
    return response;
  }
  return newGuardedResponse(response, webBodySource(response, body), options);
}

/**
 * Reads a guarded body now, so a failure surfaces inside the attempt (where retry sees it) rather
 * than later in the caller's `json()`. The readers then answer from the bytes read.
 */
export async function preloadBody(response: Response): Promise<void> {
  if (isGuarded(response)) await response.read();
}

/** A stream that ends with the signal: errors with the explained reason. Streams are not capped. */
function guardStream(source: BodySource, guard: BodyGuardOptions | undefined): ReadableStream<Uint8Array> {
  if (guard === undefined) return source.stream();
  const { signal, finish, explain } = guard;
  // The reader is taken on first pull so that touching `response.body` alone does not start reading
  // the source (json() keeps working, as on a plain Response).
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  let stopWatching: (() => void) | undefined;
  const fail = (reason: unknown): void => {
    if (done) return;
    done = true;
    finish();
    stopWatching?.();
    streamController?.error(explain(reason));
    (reader ? reader.cancel(reason) : source.cancel(reason)).catch(() => {});
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        streamController = controller;
      },
      async pull(controller) {
        if (!reader) {
          if (signal?.aborted) return fail(signal.reason);
          stopWatching = signal && onAbort(signal, () => fail(signal.reason));
          reader = source.stream().getReader();
        }
        try {
          const chunk = await reader.read();
          if (done) return;
          if (chunk.done) {
            done = true;
            finish();
            stopWatching?.();
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
        stopWatching?.();
        return reader ? reader.cancel(reason) : source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
