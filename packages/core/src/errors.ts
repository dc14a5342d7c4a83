import { parseRateLimitHeaders, parseRetryAfter, requestIdFrom } from "./headers.js";
import { defaultRedactor, type Redactor } from "./redact.js";

/**
 * One error hierarchy for every vendor client. Each error carries what a user needs to act
 * (status, vendor code, request id, parsed body) and never a secret: every constructor runs
 * message, url, body and vendor message through a Redactor before storing them, so a secret
 * cannot leak through `message`, `toJSON()`, `String(err)` or `util.inspect(err)`.
 */

export type ErrorKind = "http" | "vendor" | "rate_limit" | "timeout" | "network" | "invalid_input" | "auth" | "aborted";

/** One rejected field of a request, as the vendor's error body names it. */
export interface FieldIssue {
  /** The field (or path) the vendor names, e.g. "countryCode" or "products[0].sku". */
  readonly field: string;
  readonly message: string;
  /** The vendor's code for this rejection, when it gives one. */
  readonly code?: string | number;
  /** The value the vendor says it rejected (redacted like the body). */
  readonly rejectedValue?: unknown;
}

export interface CdpkitErrorOptions {
  message?: string;
  kind?: ErrorKind;
  vendor?: string;
  status?: number;
  vendorCode?: string | number;
  vendorMessage?: string;
  requestId?: string;
  body?: unknown;
  /** Field-level rejections parsed from the vendor's error body. */
  fieldErrors?: readonly FieldIssue[];
  method?: string;
  url?: string;
  cause?: unknown;
  /** Used to scrub; never stored on the error. Defaults to a key-name-only redactor. */
  redactor?: Redactor;
}

function describe(o: CdpkitErrorOptions, fallback: string): string {
  const where = [o.method, o.url].filter(Boolean).join(" ");
  const parts = [o.vendor, where].filter(Boolean).join(" ");
  const status = o.status !== undefined ? ` failed with HTTP ${o.status}` : "";
  const code = o.vendorCode !== undefined ? ` [${o.vendorCode}]` : "";
  const detail = o.vendorMessage ? `: ${o.vendorMessage}` : "";
  const head = parts ? `${parts}${status || ` ${fallback}`}` : `${status.trim() || fallback}`;
  return `${head}${code}${detail}`;
}

/** Longest message an error carries: enough for a vendor's explanation, never a whole body. */
export const MAX_MESSAGE_CHARS = 4096;
/** Longest string kept in an error's `body` (an HTML page, a text body): an excerpt, not the page. */
export const MAX_BODY_EXCERPT_CHARS = 8192;

/**
 * Redacts, then cuts to `max` characters. Only a window a little longer than `max` is redacted, so a
 * 50 MB body costs no more than its excerpt; the margin covers a secret that straddles the cut (it
 * is replaced whole inside the window, then cut).
 */
export function excerpt(text: string, max: number, redactor: Redactor): string {
  if (text.length <= max) return redactor.redactText(text);
  const window = redactor.redactText(text.slice(0, max + 1024));
  return `${window.slice(0, max)}… [${text.length - max} more characters]`;
}

/** A deep redacted copy whose strings are cut to excerpts: the `body` an error keeps. */
function boundedValue(value: unknown, redactor: Redactor): unknown {
  if (typeof value === "string") return excerpt(value, MAX_BODY_EXCERPT_CHARS, redactor);
  const redacted = redactor.redactValue(value);
  return cutStrings(redacted, new WeakSet());
}

function cutStrings(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === "string") return value.length > MAX_BODY_EXCERPT_CHARS ? `${value.slice(0, MAX_BODY_EXCERPT_CHARS)}…` : value;
  if (value === null || typeof value !== "object" || seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = cutStrings(value[i], seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = cutStrings(record[key], seen);
  }
  return value;
}

/**
 * A cause is shown by `util.inspect` and walked by loggers, so every cause in the chain is replaced
 * by a redacted copy (name, message, code, stack, its other own fields, `errors` of an
 * AggregateError) unless nothing in it changes; a cause that is not an Error is redacted as a value.
 */
function redactCause(cause: unknown, redactor: Redactor, depth = 0): unknown {
  if (depth > 8) return undefined;
  if (!(cause instanceof Error))
    return cause === null || typeof cause !== "object" ? redactPrimitive(cause, redactor) : redactor.redactValue(cause);
  // Our own errors were redacted when they were built, by the client that built them; kept as they
  // are so `instanceof` on a cause keeps working.
  if (cause instanceof CdpkitError) return cause;
  const message = excerpt(cause.message, MAX_MESSAGE_CHARS, redactor);
  const stack = cause.stack === undefined ? undefined : excerpt(cause.stack, MAX_MESSAGE_CHARS * 2, redactor);
  const inner = (cause as { cause?: unknown }).cause;
  const innerRedacted = inner === undefined ? undefined : redactCause(inner, redactor, depth + 1);
  const own: Record<string, unknown> = {};
  let ownChanged = false;
  for (const [key, value] of Object.entries(cause)) {
    if (key === "cause") continue;
    const clean =
      key === "errors" && Array.isArray(value)
        ? value.map((e) => redactCause(e, redactor, depth + 1))
        : redactor.isSensitiveKey(key)
          ? "[REDACTED]"
          : redactor.redactValue(value);
    own[key] = clean;
    if (JSON.stringify(clean) !== JSON.stringify(value)) ownChanged = true;
  }
  if (message === cause.message && stack === cause.stack && innerRedacted === inner && !ownChanged) return cause;
  const copy = new Error(message, innerRedacted === undefined ? undefined : { cause: innerRedacted });
  copy.name = cause.name;
  if (stack !== undefined) copy.stack = stack;
  Object.assign(copy, own);
  return copy;
}

function redactPrimitive(value: unknown, redactor: Redactor): unknown {
  return typeof value === "string" ? excerpt(value, MAX_MESSAGE_CHARS, redactor) : value;
}

export class CdpkitError extends Error {
  declare readonly kind: ErrorKind;
  declare readonly vendor?: string;
  declare readonly status?: number;
  declare readonly vendorCode?: string | number;
  declare readonly vendorMessage?: string;
  declare readonly requestId?: string;
  declare readonly body?: unknown;
  declare readonly fieldErrors?: readonly FieldIssue[];
  declare readonly method?: string;
  /** Redacted. */
  declare readonly url?: string;

  constructor(options: CdpkitErrorOptions = {}) {
    const redactor = options.redactor ?? defaultRedactor;
    const text = (value: string | undefined, max = MAX_MESSAGE_CHARS): string | undefined =>
      value === undefined ? undefined : excerpt(String(value), max, redactor);
    const url = options.url === undefined ? undefined : redactor.redactUrl(String(options.url).slice(0, MAX_MESSAGE_CHARS));
    const vendorMessage = text(options.vendorMessage, 1024);
    // A vendor code is the server's text too (DFINERY copies its message into it): scrubbed like one.
    const vendorCode = typeof options.vendorCode === "string" ? text(options.vendorCode, 256) : options.vendorCode;
    const message = text(options.message ?? describe({ ...options, url, vendorMessage, vendorCode }, "request failed"))!;
    const cause = options.cause === undefined ? undefined : redactCause(options.cause, redactor);
    super(message, cause === undefined ? undefined : { cause });
    // Only defined fields become own properties: keeps inspect output and snapshots short.
    const fields: Record<string, unknown> = {
      kind: options.kind ?? "http",
      vendor: options.vendor,
      status: options.status,
      vendorCode,
      vendorMessage,
      requestId: text(options.requestId, 256),
      body: options.body === undefined ? undefined : boundedValue(options.body, redactor),
      fieldErrors:
        options.fieldErrors === undefined || options.fieldErrors.length === 0
          ? undefined
          : options.fieldErrors.slice(0, 100).map((f) => boundedValue(f, redactor) as FieldIssue),
      method: text(options.method, 16),
      url,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) defineField(this, key, value);
    }
  }

  /** Every defined field plus name and message; safe to log or snapshot. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, message: this.message };
    for (const [key, value] of Object.entries(this)) {
      if (value !== undefined) out[key] = value;
    }
    return out;
  }
}

function named(ctor: abstract new (...args: never[]) => Error, name: string): void {
  Object.defineProperty(ctor.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false });
}

export interface HttpErrorOptions extends CdpkitErrorOptions {
  status: number;
}

/** The server answered with a non-2xx status. */
export class HttpError extends CdpkitError {
  declare readonly status: number;
  constructor(options: HttpErrorOptions) {
    super({ kind: "http", ...options });
  }
}

export class BadRequestError extends HttpError {}
/** 401 / 403: the credentials are missing, wrong, expired or not allowed here. */
export class AuthError extends HttpError {
  constructor(options: HttpErrorOptions) {
    super({ ...options, kind: "auth" });
  }
}
export class NotFoundError extends HttpError {}
export class ConflictError extends HttpError {}
export class UnprocessableEntityError extends HttpError {}

export interface RateLimitErrorOptions extends HttpErrorOptions {
  retryAfterMs?: number;
  resetAt?: number;
}

/**
 * The budget is spent: a 429, a vendor envelope code meaning "too many requests" (status as
 * the server sent it, possibly 200), or our own limiter refusing to wait longer than
 * `maxWaitMs` (then status is 429 and `vendorCode` is `'client_rate_limit'`).
 */
export class RateLimitError extends HttpError {
  declare readonly retryAfterMs?: number;
  /** Epoch milliseconds. */
  declare readonly resetAt?: number;
  constructor(options: RateLimitErrorOptions) {
    super({ ...options, kind: "rate_limit" });
    if (options.retryAfterMs !== undefined) defineField(this, "retryAfterMs", options.retryAfterMs);
    if (options.resetAt !== undefined) defineField(this, "resetAt", options.resetAt);
  }
}
export class ServerError extends HttpError {}

/** The vendor's envelope reports a failure, e.g. HTTP 200 with `"status": false`. */
export class VendorError extends CdpkitError {
  constructor(options: CdpkitErrorOptions = {}) {
    super({ ...options, kind: "vendor" });
  }
}

export interface TimeoutErrorOptions extends CdpkitErrorOptions {
  timeoutMs: number;
  /** `request`: one attempt (headers + body); `total`: all attempts and waits together. */
  scope: "request" | "total";
}

export class TimeoutError extends CdpkitError {
  declare readonly timeoutMs: number;
  declare readonly scope: "request" | "total";
  constructor(options: TimeoutErrorOptions) {
    const label = options.scope === "total" ? "total timeout" : "request timeout";
    const where = [options.vendor, options.method, options.url].filter(Boolean).join(" ");
    super({
      message: `${where ? `${where}: ` : ""}${label} of ${options.timeoutMs} ms exceeded`,
      ...options,
      kind: "timeout",
    });
    defineField(this, "timeoutMs", options.timeoutMs);
    defineField(this, "scope", options.scope);
  }
}

/**
 * How far a failed exchange got, which decides whether a write may have been applied:
 * `connect` — no connection was made, so nothing reached the server (safe to send again);
 * `response` — the request went out but no complete response head came back;
 * `body` — the response head arrived and reading its body failed.
 */
export type NetworkPhase = "connect" | "response" | "body";

export interface NetworkErrorOptions extends CdpkitErrorOptions {
  /** Default: `connect` when the cause's code says no connection was made, else `response`. */
  phase?: NetworkPhase;
}

/** Connection refused / reset, DNS failure, socket hang-up. The original error is `cause`. */
export class NetworkError extends CdpkitError {
  declare readonly phase: NetworkPhase;
  constructor(options: NetworkErrorOptions = {}) {
    const causeText = options.cause instanceof Error ? describeCause(options.cause) : undefined;
    const where = [options.vendor, options.method, options.url].filter(Boolean).join(" ");
    const phase = options.phase ?? (isConnectFailure(options.cause) ? "connect" : "response");
    const during = phase === "body" ? " while reading the response body" : phase === "connect" ? " before anything was sent" : "";
    const { phase: _phase, ...rest } = options;
    super({
      message: `${where ? `${where}: ` : ""}network error${during}${causeText ? `: ${causeText}` : ""}`,
      ...rest,
      kind: "network",
    });
    defineField(this, "phase", phase);
  }
}

/** Codes that mean no connection was made: the request never left this machine. */
const CONNECT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** True when `err` (or its cause, where undici puts the socket error) says no connection was made. */
export function isConnectFailure(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof NetworkError) return e.phase === "connect";
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECT_CODES.has(code)) return true;
    // AggregateError: undici reports every address it tried.
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0 && errors.every((inner) => isConnectFailure(inner))) return true;
  }
  return false;
}

/**
 * A redirect the client will not follow: a write answered 301/302/303 (a POST turned into a GET is
 * never the POST's success), a 307/308 on a request that is not safe to send again, a cross-origin
 * redirect of a request with a body (its credentials may be inside), or too many hops.
 */
export interface RedirectErrorOptions extends HttpErrorOptions {
  /** The `Location` the server named (redacted). */
  location?: string;
}

export class RedirectError extends HttpError {
  declare readonly location?: string;
  constructor(options: RedirectErrorOptions) {
    const redactor = options.redactor ?? defaultRedactor;
    const { location, ...rest } = options;
    super(rest);
    if (location !== undefined) defineField(this, "location", redactor.redactUrl(location));
  }
}

/**
 * A 2xx answer that is not the vendor's documented success: empty, not JSON, an HTML page, a JSON
 * value without the envelope. Never returned as data and never counted as accepted.
 */
export class MalformedResponseError extends VendorError {}

export interface ResponseTooLargeErrorOptions extends CdpkitErrorOptions {
  limitBytes: number;
}

/** A response body longer than the client's `maxResponseBytes`; streamed exports are exempt. */
export class ResponseTooLargeError extends VendorError {
  declare readonly limitBytes: number;
  constructor(options: ResponseTooLargeErrorOptions) {
    const { limitBytes, ...rest } = options;
    super({ message: `response body exceeds maxResponseBytes (${limitBytes} bytes)`, ...rest });
    defineField(this, "limitBytes", limitBytes);
  }
}

/**
 * An item the client did not send (or did not finish sending) because the caller aborted. Batch
 * reports use it so aborted items are never mistaken for sent or for network failures; a single
 * call rejects with the caller's own `signal.reason` instead.
 */
export class AbortedError extends CdpkitError {
  constructor(options: CdpkitErrorOptions = {}) {
    super({
      message: `${options.vendor ? `${options.vendor}: ` : ""}aborted by the caller before it was sent`,
      ...options,
      kind: "aborted",
    });
  }
}

function describeCause(err: Error): string {
  const inner = (err as { cause?: unknown }).cause;
  const code = (inner as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  const innerMessage = inner instanceof Error ? inner.message : undefined;
  return [err.message, innerMessage, typeof code === "string" ? `(${code})` : undefined].filter(Boolean).join(" ");
}

export interface InvalidInputIssue {
  path: string;
  message: string;
}

export interface InvalidInputErrorOptions extends CdpkitErrorOptions {
  issues: InvalidInputIssue[];
}

/** Rejected before sending: the message names each offending path. */
export class InvalidInputError extends CdpkitError {
  declare readonly issues: InvalidInputIssue[];
  constructor(options: InvalidInputErrorOptions) {
    const list = options.issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
    super({ message: `Invalid input: ${list}`, ...options, kind: "invalid_input" });
    const redactor = options.redactor ?? defaultRedactor;
    defineField(
      this,
      "issues",
      options.issues.map((i) => ({ path: redactor.redactText(i.path), message: redactor.redactText(i.message) })),
    );
  }
}

/** Puts a read-only, enumerable field on an error (shown by inspect and toJSON, never reassigned). */
export function defineField(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: false, configurable: true });
}

named(CdpkitError, "CdpkitError");
named(HttpError, "HttpError");
named(BadRequestError, "BadRequestError");
named(AuthError, "AuthError");
named(NotFoundError, "NotFoundError");
named(ConflictError, "ConflictError");
named(UnprocessableEntityError, "UnprocessableEntityError");
named(RateLimitError, "RateLimitError");
named(ServerError, "ServerError");
named(VendorError, "VendorError");
named(TimeoutError, "TimeoutError");
named(NetworkError, "NetworkError");
named(InvalidInputError, "InvalidInputError");
named(RedirectError, "RedirectError");
named(MalformedResponseError, "MalformedResponseError");
named(ResponseTooLargeError, "ResponseTooLargeError");
named(AbortedError, "AbortedError");

export interface HttpErrorInit {
  status: number;
  vendor?: string;
  body?: unknown;
  method?: string;
  url?: string;
  requestId?: string;
  vendorCode?: string | number;
  vendorMessage?: string;
  /** Response headers: source of the request id and, for 429, of the wait. */
  headers?: Headers;
  redactor?: Redactor;
  /** Clock reading for HTTP-date / delta headers; defaults to Date.now(). */
  now?: number;
  cause?: unknown;
}

/** The right HttpError subclass for a status, so callers can `catch (e) { if (e instanceof NotFoundError) ... }`. */
/**
 * A RateLimitError with when to try again read from the answer's headers (Retry-After, else the reset of
 * the remaining/reset headers): an HTTP 429, or a vendor's own "too many requests" in a 200 envelope.
 */
export function rateLimitErrorFrom(options: RateLimitErrorOptions, headers?: Headers, now: number = Date.now()): RateLimitError {
  const rateOptions: RateLimitErrorOptions = { ...options };
  if (headers) {
    const { resetAt } = parseRateLimitHeaders(headers, now);
    const retryAfterMs = parseRetryAfter(headers, now);
    if (resetAt !== undefined) rateOptions.resetAt = resetAt;
    if (retryAfterMs !== undefined) rateOptions.retryAfterMs = retryAfterMs;
    else if (resetAt !== undefined) rateOptions.retryAfterMs = Math.max(0, resetAt - now);
  }
  return new RateLimitError(rateOptions);
}

export function httpErrorFor(init: HttpErrorInit): HttpError {
  const { headers, now: nowInit, ...rest } = init;
  const options: HttpErrorOptions = { ...rest };
  if (options.requestId === undefined && headers) {
    const id = requestIdFrom(headers);
    if (id !== undefined) options.requestId = id;
  }
  const status = init.status;
  switch (true) {
    case status === 400:
      return new BadRequestError(options);
    case status === 401 || status === 403:
      return new AuthError(options);
    case status === 404:
      return new NotFoundError(options);
    case status === 409:
      return new ConflictError(options);
    case status === 422:
      return new UnprocessableEntityError(options);
    case status === 429:
      return rateLimitErrorFrom(options, headers, nowInit);
    case status >= 500:
      return new ServerError(options);
    default:
      return new HttpError(options);
  }
}

/** The typed error for an openapi-fetch result that answered with an error: by status, with its body. */
export function httpErrorForResult(
  result: { error?: unknown; response: Response },
  context: { vendor: string; method: string; redactor?: Redactor | undefined },
): HttpError {
  const { response } = result;
  return httpErrorFor({
    vendor: context.vendor,
    status: response.status,
    headers: response.headers,
    method: context.method,
    url: response.url,
    body: result.error,
    ...(context.redactor ? { redactor: context.redactor } : {}),
  });
}

/** Error codes Node / undici use for transport failures worth retrying. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENETDOWN",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/**
 * True for transport failures: our NetworkError, the TypeError fetch rejects with when the
 * connection fails, or an error carrying a known socket error code (also one level down in
 * `cause`, where undici puts it).
 */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  if (err instanceof CdpkitError) return false;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  const causeCode = ((err as { cause?: unknown }).cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === "string" && NETWORK_CODES.has(causeCode)) return true;
  return err.name === "TypeError";
}

/** Wraps a transport failure as NetworkError (idempotent for errors that already are one). */
export function toNetworkError(
  err: unknown,
  context: { request?: Request; vendor?: string; redactor?: Redactor; phase?: NetworkPhase } = {},
): NetworkError {
  if (err instanceof NetworkError) return err;
  const options: NetworkErrorOptions = { cause: err };
  if (context.phase !== undefined) options.phase = context.phase;
  if (context.vendor !== undefined) options.vendor = context.vendor;
  if (context.redactor !== undefined) options.redactor = context.redactor;
  if (context.request) {
    options.method = context.request.method;
    options.url = context.request.url;
  }
  return new NetworkError(options);
}
