import type { AppliedCredential } from "./auth.js";
import type { OperationMeta } from "./operations.js";

// Spelled through the runtime's own types so the declarations read the same on TypeScript 5.4 (no generic
// typed arrays) and without the DOM lib (a Node project typed by @types/node alone): on 5.7+ `Bytes` is
// `Uint8Array<ArrayBuffer>`, as Response's members are typed there.
type Bytes = ReturnType<Uint8Array["slice"]>;
type RedirectMode = NonNullable<RequestInit["redirect"]>;

/**
 * One call's facts, created where the operation is known (the operation fetch) and handed to every
 * policy layer beside the Request: which operation, whether it may be sent again, the replayable
 * body, the caller's signal and the one that governs the current attempt, the total deadline, the
 * attempt number and the credentials applied. Layers read and update it; nothing is kept in a
 * WeakMap keyed by Request or on a patched Response.
 */
export interface Call {
  /** The spec operation, when the client knows it. */
  readonly operation: OperationMeta | undefined;
  /** Safe to send again (the spec marks it idempotent, or the helper vouches for it); undefined: by method. */
  readonly safeToRepeat: boolean | undefined;
  /** The body as bytes or text that can be sent any number of times (no stream to tee). */
  readonly body: ReplayableBody | undefined;
  /** The caller's signal: it always wins. */
  readonly callerSignal: AbortSignal;
  /** The signal the transport honours now: the attempt's deadline, linked to the caller's. */
  signal: AbortSignal;
  /** The total deadline, when one is set. */
  deadline: Deadline | undefined;
  /** 1 for the first attempt. */
  attempt: number;
  /** The credentials put on the request, for an exact invalidation after a 401. */
  readonly credentials: AppliedCredential[];
}

/** A total deadline: the epoch millisecond it falls at, and the configured length (for errors). */
export interface Deadline {
  readonly at: number;
  readonly ms: number;
}

/**
 * Bodies that can be sent any number of times without buffering a stream. The view is spelled as an
 * intersection rather than `ArrayBufferView<ArrayBuffer>` because the generic form exists only from
 * TypeScript 5.7, and these declarations are consumed from TypeScript 5.4 on.
 */
export type ReplayableBody = string | ArrayBuffer | (ArrayBufferView & { readonly buffer: ArrayBuffer }) | URLSearchParams | Blob;

function isReplayable(body: unknown): body is ReplayableBody {
  return (
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) ||
    body instanceof URLSearchParams ||
    body instanceof Blob
  );
}

/** A `Request` that keeps the body it was built from when that body can be sent again. */
export interface ReplayableRequest extends Request {
  readonly replayableBody: ReplayableBody | undefined;
}

export interface ReplayableRequestConstructor {
  // Spelled out rather than `RequestInfo`, a DOM-only name that a Node project typed by @types/node lacks.
  new (input: Request | string | URL, init?: RequestInit): ReplayableRequest;
}

function defineReplayableRequest(): ReplayableRequestConstructor {
  return class ReplayableRequest extends Request {
    readonly replayableBody: ReplayableBody | undefined;
    constructor(input: Request | string | URL, init?: RequestInit) {
      super(input, init);
      const body = init?.body;
      this.replayableBody = body !== undefined && body !== null && isReplayable(body) ? body : undefined;
    }
  };
}

let replayableRequestClass: ReplayableRequestConstructor | undefined;

/**
 * A `Request` that keeps the body it was built from when that body can be sent again (string, bytes,
 * form params, Blob). Hand it to openapi-fetch as `createClient({ Request: ReplayableRequest })`:
 * retries and redirects re-send the same bytes instead of cloning the body stream before each attempt.
 *
 * The class is defined on the first `new`: `extends Request` reads the global `Request`, and on Node
 * that getter loads the runtime's bundled undici (tens of ms), which importing this package must not
 * pay. `instanceof ReplayableRequest` works as for a class.
 */
export const ReplayableRequest = function ReplayableRequest(input: Request | string | URL, init?: RequestInit): ReplayableRequest {
  return new (replayableRequestClass ??= defineReplayableRequest())(input, init);
} as unknown as ReplayableRequestConstructor;
Object.defineProperty(ReplayableRequest, Symbol.hasInstance, {
  value: (value: unknown): boolean => replayableRequestClass !== undefined && value instanceof replayableRequestClass,
});

function defaultContentType(body: ReplayableBody): string | undefined {
  if (typeof body === "string") return "text/plain;charset=UTF-8";
  if (body instanceof URLSearchParams) return "application/x-www-form-urlencoded;charset=UTF-8";
  if (body instanceof Blob && body.type !== "") return body.type;
  return undefined;
}

/** Methods a Request takes as they are (after upper-casing); any other goes to the native constructor. */
const PLAIN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** The signal of a light request made without one (see neverAborted); made at the first such request. */
let neverAbortedSignal: AbortSignal | undefined;

/**
 * A signal that never aborts, shared by every call made without a signal. A listener on it could never
 * run, so none is kept: adding one costs nothing, and many calls at once do not trip the
 * max-listeners warning.
 */
function neverAborted(): AbortSignal {
  const signal = new AbortController().signal;
  const ignore = (): void => {};
  Object.defineProperties(signal, { addEventListener: { value: ignore }, removeEventListener: { value: ignore } });
  return signal;
}

/**
 * The Request the typed verbs hand openapi-fetch when no middleware will see it: url, method, headers,
 * signal, redirect and a kept body as plain fields. The native constructor costs more than everything
 * else cdpkit does per call (URL and header validation, an AbortSignal of its own, often a
 * FinalizationRegistry entry); the transports need none of it. It passes `instanceof Request`, every
 * other Request field and method is answered by a native Request built on first use (`toRequest()`),
 * and the headers object it is given becomes its own (openapi-fetch builds a new one per call).
 *
 * A native API that checks for a real Request (`fetch(request)`, `new Request(request)`) does not
 * take it: hand those `toRequest()`. That is why a client with openapi-fetch middleware (which may
 * do either) gets ReplayableRequest instead. Anything it cannot carry (a stream or form body, an
 * unusual method, a Request as input) is built as a ReplayableRequest.
 */
export class LightRequest {
  // Own fields (defined, not assigned: Request.prototype has getter-only accessors of these names).
  readonly url!: string;
  readonly method!: string;
  readonly headers!: Headers;
  readonly signal!: AbortSignal;
  readonly redirect!: RedirectMode;
  readonly replayableBody: ReplayableBody | undefined;
  readonly #init!: RequestInit;
  #native: Request | undefined;
  #stream: ReadableStream<Bytes> | undefined;

  constructor(input: string | URL, init: RequestInit = {}) {
    if (!lightRequestLinked) linkLightRequestToRequest();
    const method = init.method === undefined ? "GET" : init.method.toUpperCase();
    const body = init.body ?? undefined;
    const plain =
      (typeof input === "string" || input instanceof URL) && PLAIN_METHODS.has(method) && (body === undefined || isReplayable(body));
    if (!plain) return new ReplayableRequest(input, init) as unknown as LightRequest;
    if (body !== undefined && (method === "GET" || method === "HEAD"))
      throw new TypeError("Request with GET/HEAD method cannot have body.");
    this.#init = init;
    this.url = new URL(input).href;
    this.method = method;
    this.headers = init.headers instanceof Headers ? init.headers : new Headers(init.headers);
    this.signal = init.signal ?? (neverAbortedSignal ??= neverAborted());
    this.redirect = init.redirect ?? "follow";
    this.replayableBody = body as ReplayableBody | undefined;
    const type = body === undefined ? undefined : defaultContentType(body as ReplayableBody);
    if (type && !this.headers.has("content-type")) this.headers.set("content-type", type);
  }

  /** The same request as a native Request (built once), for an API that accepts nothing else. */
  toRequest(): Request {
    return (this.#native ??= new ReplayableRequest(this.url, {
      ...this.#init,
      method: this.method,
      headers: this.headers,
      signal: this.signal,
      redirect: this.redirect,
      body: this.replayableBody ?? null,
    }));
  }

  get body(): ReadableStream<Bytes> | null {
    if (this.replayableBody === undefined) return null;
    return (this.#stream ??= new Response(this.replayableBody).body!);
  }
  get bodyUsed(): boolean {
    return this.#stream?.locked ?? false;
  }
  // The readers read the kept body afresh each time (reading does not use it up), never the native copy.
  #asResponse(): Response {
    return new Response(this.replayableBody ?? null, { headers: this.headers });
  }
  text(): Promise<string> {
    return typeof this.replayableBody === "string" ? Promise.resolve(this.replayableBody) : this.#asResponse().text();
  }
  json(): Promise<unknown> {
    return this.text().then((text) => JSON.parse(text) as unknown);
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#asResponse().arrayBuffer();
  }
  blob(): Promise<Blob> {
    return this.#asResponse().blob();
  }
  formData(): Promise<FormData> {
    return this.#asResponse().formData();
  }
  clone(): LightRequest {
    return new LightRequest(this.url, {
      ...this.#init,
      method: this.method,
      headers: new Headers(this.headers),
      signal: this.signal,
      redirect: this.redirect,
      body: this.replayableBody ?? null,
    });
  }
}
/**
 * `instanceof Request` holds for a LightRequest, and every Request member not defined above is the
 * native one's. Done at the first LightRequest rather than at import, for the reason given at
 * ReplayableRequest.
 */
let lightRequestLinked = false;
function linkLightRequestToRequest(): void {
  lightRequestLinked = true;
  Object.setPrototypeOf(LightRequest.prototype, Request.prototype);
  for (const name of Object.getOwnPropertyNames(Request.prototype)) {
    if (name === "constructor" || Object.hasOwn(LightRequest.prototype, name)) continue;
    const member = Object.getOwnPropertyDescriptor(Request.prototype, name)!;
    const native = (self: LightRequest): Record<string, unknown> => self.toRequest() as unknown as Record<string, unknown>;
    if (member.get) {
      Object.defineProperty(LightRequest.prototype, name, {
        configurable: true,
        get(this: LightRequest) {
          return native(this)[name];
        },
      });
    } else if (typeof member.value === "function") {
      Object.defineProperty(LightRequest.prototype, name, {
        configurable: true,
        writable: true,
        value(this: LightRequest, ...args: unknown[]) {
          return (native(this)[name] as (...a: unknown[]) => unknown)(...args);
        },
      });
    }
  }
}

/** Whether `request` carries a body, without making a stream of a kept one. */
export function hasBody(request: Request): boolean {
  return replayableBodyOf(request) !== undefined || request.body !== null;
}

/** The body `request` can be sent again with, if it was built as a ReplayableRequest or LightRequest. */
export function replayableBodyOf(request: Request): ReplayableBody | undefined {
  return request instanceof ReplayableRequest || request instanceof LightRequest ? request.replayableBody : undefined;
}

/** A call for `request`; the operation fetch fills in what it knows, a layer used alone gets the defaults. */
export function createCall(request: Request, facts: { operation?: OperationMeta; safeToRepeat?: boolean } = {}): Call {
  return {
    operation: facts.operation,
    safeToRepeat: facts.safeToRepeat ?? facts.operation?.idempotent,
    body: replayableBodyOf(request),
    callerSignal: request.signal,
    signal: request.signal,
    deadline: undefined,
    attempt: 1,
    credentials: [],
  };
}

/**
 * A new Request with `init` applied that keeps the body (without it, `new Request(request, init)`
 * would take over the original's body stream): for a fetch that reads only the Request.
 */
export function rebuildRequest(request: Request, call: Call, init: RequestInit): Request {
  const source = request instanceof LightRequest ? request.toRequest() : request;
  return new ReplayableRequest(source, call.body === undefined ? init : { ...init, body: call.body });
}
