import type { AppliedCredential } from "./auth.js";
import type { OperationMeta } from "./operations.js";

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

/**
 * A `Request` that keeps the body it was built from when that body can be sent again (string, bytes,
 * form params, Blob). Hand it to openapi-fetch as `createClient({ Request: ReplayableRequest })`:
 * retries and redirects re-send the same bytes instead of cloning the body stream before each attempt.
 */
export class ReplayableRequest extends Request {
  readonly replayableBody: ReplayableBody | undefined;
  // Spelled out rather than `RequestInfo`, a DOM-only name that a Node project typed by @types/node lacks.
  constructor(input: Request | string | URL, init?: RequestInit) {
    super(input, init);
    const body = init?.body;
    this.replayableBody = body !== undefined && body !== null && isReplayable(body) ? body : undefined;
  }
}

/** The body `request` can be sent again with, if it was built as a ReplayableRequest. */
export function replayableBodyOf(request: Request): ReplayableBody | undefined {
  return request instanceof ReplayableRequest ? request.replayableBody : undefined;
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
  return new Request(request, call.body === undefined ? init : { ...init, body: call.body });
}
