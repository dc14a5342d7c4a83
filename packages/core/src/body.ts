import { isNetworkError, ResponseTooLargeError, TimeoutError, toNetworkError } from "./errors.js";
import type { Redactor } from "./redact.js";

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
 * The response the policies hand up: the original's status, headers, url, and a body read through
 * the guard. Built without a body of its own (no stream is re-wrapped, which costs ~15% of loopback
 * throughput): the readers and `body` read the original's body under the guard's signal and caps.
 */
class GuardedResponse extends Response {
  readonly #original: Response;
  readonly #guard: BodyGuardOptions;
  readonly #source: ReadableStream<Uint8Array>;
  #bytes: Uint8Array | undefined;
  #reading: Promise<Uint8Array> | undefined;
  #stream: ReadableStream<Uint8Array> | undefined;

  constructor(original: Response, source: ReadableStream<Uint8Array>, guard: BodyGuardOptions) {
    super(null, { status: original.status, statusText: original.statusText, headers: original.headers });
    this.#original = original;
    this.#source = source;
    this.#guard = guard;
  }

  override get url(): string {
    return this.#original.url;
  }
  override get redirected(): boolean {
    return this.#original.redirected;
  }
  override get type(): ResponseType {
    return this.#original.type;
  }
  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> {
    const bytes = this.#bytes;
    if (bytes) {
      return (this.#stream ??= new ReadableStream<Uint8Array>({
        start(controller) {
          if (bytes.byteLength > 0) controller.enqueue(bytes);
          controller.close();
        },
      })) as ReadableStream<Uint8Array<ArrayBuffer>>;
    }
    return (this.#stream ??= guardStream(this.#source, this.#guard)) as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
  override get bodyUsed(): boolean {
    return this.#reading !== undefined || this.#source.locked;
  }

  /** Reads the whole body once, within the caps and the signal; later reads get the same bytes. */
  read(): Promise<Uint8Array> {
    return (this.#reading ??= this.#readOnce());
  }

  #readOnce(): Promise<Uint8Array> {
    const { signal, finish, explain } = this.#guard;
    return new Promise<Uint8Array>((resolve, reject) => {
      const onAbort = (): void => {
        finish();
        reject(explain(signal!.reason));
        this.#source.cancel(signal!.reason).catch(() => {});
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      readCapped(this.#original, this.#source, this.#guard).then(
        (bytes) => {
          signal?.removeEventListener("abort", onAbort);
          finish();
          this.#bytes = bytes;
          resolve(bytes);
        },
        (err: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          finish();
          reject(explain(err));
        },
      );
    });
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.read().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
  }
  override bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.read() as Promise<Uint8Array<ArrayBuffer>>;
  }
  override text(): Promise<string> {
    return this.read().then((b) => decoder.decode(b));
  }
  override json(): Promise<unknown> {
    return this.text().then((t) => JSON.parse(t) as unknown);
  }
  override blob(): Promise<Blob> {
    return this.read().then((b) => new Blob([b as Uint8Array<ArrayBuffer>], { type: this.headers.get("content-type") ?? "" }));
  }
  override formData(): Promise<FormData> {
    return this.read().then((b) => new Response(b as Uint8Array<ArrayBuffer>, { headers: this.headers }).formData());
  }
  override clone(): Response {
    // A clone shares the bytes once read; before that, both sides would race for one stream.
    if (!this.#bytes) throw new TypeError("clone() of a cdpkit response is possible once its body has been read");
    return new Response(this.#bytes as Uint8Array<ArrayBuffer>, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
    });
  }
}

/**
 * Reads the whole body within the caps: a 2xx longer than `maxResponseBytes` fails with
 * ResponseTooLargeError; an error answer is cut to MAX_ERROR_BODY_BYTES (its excerpt is all an error
 * keeps). A declared length is checked before reading a byte.
 */
async function readCapped(response: Response, source: ReadableStream<Uint8Array>, guard: BodyGuardOptions): Promise<Uint8Array> {
  const limit = response.ok ? guard.maxResponseBytes : MAX_ERROR_BODY_BYTES;
  const declared = Number(response.headers.get("content-length") ?? NaN);
  if (response.ok && declared > limit) {
    source.cancel().catch(() => {});
    throw tooLarge(guard);
  }
  // The server said how long the body is and it fits: the native reader is the fastest way in.
  if (declared <= limit) return new Uint8Array(await response.arrayBuffer());
  const reader = source.getReader();
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
  const source = response.body;
  if (source === null || response.status < 200 || response.status > 599) {
    options.finish();
    return response;
  }
  return new GuardedResponse(response, source, options);
}

/**
 * Reads a guarded body now, so a failure surfaces inside the attempt (where retry sees it) rather
 * than later in the caller's `json()`. The readers then answer from the bytes read.
 */
export async function preloadBody(response: Response): Promise<void> {
  if (response instanceof GuardedResponse) await response.read();
}

/** A stream that ends with the signal: errors with the explained reason. Streams are not capped. */
function guardStream(body: ReadableStream<Uint8Array>, guard: BodyGuardOptions): ReadableStream<Uint8Array> {
  const { signal, finish, explain } = guard;
  // The reader is taken on first pull so that touching `response.body` alone does not lock
  // the original stream (json() keeps working, as on a plain Response).
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  let done = false;
  const fail = (reason: unknown): void => {
    if (done) return;
    done = true;
    finish();
    signal?.removeEventListener("abort", onAbort);
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
          signal?.addEventListener("abort", onAbort, { once: true });
          reader = body.getReader();
        }
        try {
          const chunk = await reader.read();
          if (done) return;
          if (chunk.done) {
            done = true;
            finish();
            signal?.removeEventListener("abort", onAbort);
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
        signal?.removeEventListener("abort", onAbort);
        return reader ? reader.cancel(reason) : body.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
