/**
 * Request-scoped facts that travel beside a Request instead of inside it: the abort signal
 * that governs it, the total deadline, and the bytes of its body.
 * Why: `new Request(request, { signal })` costs ~25 µs on Node 20 and `request.clone()` tees
 * the body into two new web streams (more than a loopback round trip's worth of our budget),
 * while `fetch(request, { signal, body })` is nearly free because fetch builds its own Request
 * anyway. createPolicyFetch uses these channels; layers used on their own still put the
 * signal into a new Request, which works with any fetch.
 */
const signals = new WeakMap<Request, AbortSignal>();
const deadlines = new WeakMap<Request, Deadline>();
const bodies = new WeakMap<Request, ReplayableBody>();

/** A total deadline: the epoch millisecond it falls at, and the configured length (for errors). */
export interface Deadline {
  readonly at: number;
  readonly ms: number;
}

/** Bodies that can be sent any number of times without buffering a stream. */
export type ReplayableBody = string | ArrayBuffer | ArrayBufferView<ArrayBuffer> | URLSearchParams | Blob;

/** The signal that governs this request: the innermost deadline if any, else its own. */
export function effectiveSignal(request: Request): AbortSignal {
  return signals.get(request) ?? request.signal;
}

/** Registers a signal that already follows `effectiveSignal(request)`. */
export function setEffectiveSignal(request: Request, signal: AbortSignal): void {
  signals.set(request, signal);
}

/** The total deadline set by createPolicyFetch, if any. */
export function deadlineOf(request: Request): Deadline | undefined {
  return deadlines.get(request);
}

export function setDeadline(request: Request, deadline: Deadline): void {
  deadlines.set(request, deadline);
}

/** The body this request was built from, when it can be replayed as is. */
export function bodySource(request: Request): ReplayableBody | undefined {
  return bodies.get(request);
}

export function setBodySource(request: Request, body: ReplayableBody): void {
  bodies.set(request, body);
}

/** Carries everything above over to a copy of the request (a clone, or a rebuilt Request). */
export function inheritSignal(from: Request, to: Request): void {
  const signal = signals.get(from);
  if (signal) signals.set(to, signal);
  const deadline = deadlines.get(from);
  if (deadline) deadlines.set(to, deadline);
  const body = bodies.get(from);
  if (body !== undefined) bodies.set(to, body);
}

function isReplayable(body: unknown): body is ReplayableBody {
  return (
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    (ArrayBuffer.isView(body) && body.buffer instanceof ArrayBuffer) ||
    body instanceof URLSearchParams ||
    body instanceof Blob
  );
}

/**
 * A `Request` that remembers a body it can replay (string, bytes, form params, Blob). Hand it to
 * openapi-fetch as `createClient({ Request: ReplayableRequest })`: retries then re-send the same
 * bytes instead of cloning the body stream before every attempt.
 */
export class ReplayableRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(input, init);
    const body = init?.body;
    if (body !== undefined && body !== null && isReplayable(body)) bodies.set(this, body);
  }
}

/**
 * A new Request with `init` applied that keeps the replayable body (without one, `new
 * Request(request, init)` would take over the original's body stream) and the side channels.
 */
export function rebuildRequest(request: Request, init: RequestInit): Request {
  const body = bodies.get(request);
  const rebuilt = new Request(request, body === undefined ? init : { ...init, body });
  inheritSignal(request, rebuilt);
  return rebuilt;
}
