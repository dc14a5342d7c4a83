import { parseRateLimitHeaders, parseRetryAfter, requestIdFrom } from './headers.js';
import { defaultRedactor, type Redactor } from './redact.js';

/**
 * One error hierarchy for every vendor client. Each error carries what a user needs to act
 * (status, vendor code, request id, parsed body) and never a secret: every constructor runs
 * message, url, body and vendor message through a Redactor before storing them, so a secret
 * cannot leak through `message`, `toJSON()`, `String(err)` or `util.inspect(err)`.
 */

export type ErrorKind = 'http' | 'vendor' | 'rate_limit' | 'timeout' | 'network' | 'invalid_input' | 'auth';

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
  const where = [o.method, o.url].filter(Boolean).join(' ');
  const parts = [o.vendor, where].filter(Boolean).join(' ');
  const status = o.status !== undefined ? ` failed with HTTP ${o.status}` : '';
  const code = o.vendorCode !== undefined ? ` [${o.vendorCode}]` : '';
  const detail = o.vendorMessage ? `: ${o.vendorMessage}` : '';
  const head = parts ? `${parts}${status || ` ${fallback}`}` : `${status.trim() || fallback}`;
  return `${head}${code}${detail}`;
}

/**
 * A cause is shown by `util.inspect`, so one whose text holds a secret is replaced by a
 * scrubbed copy (name, message, code, stack); clean causes are kept as they are.
 */
function redactCause(cause: unknown, redactor: Redactor, depth = 0): unknown {
  if (!(cause instanceof Error) || depth > 5) return cause;
  const message = redactor.redactText(cause.message);
  const stack = cause.stack === undefined ? undefined : redactor.redactText(cause.stack);
  const inner = (cause as { cause?: unknown }).cause;
  const innerRedacted = inner === undefined ? undefined : redactCause(inner, redactor, depth + 1);
  if (message === cause.message && stack === cause.stack && innerRedacted === inner) return cause;
  const copy = new Error(message, innerRedacted === undefined ? undefined : { cause: innerRedacted });
  copy.name = cause.name;
  if (stack !== undefined) copy.stack = stack;
  const code = (cause as { code?: unknown }).code;
  if (code !== undefined) Object.assign(copy, { code });
  return copy;
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
    const url = options.url === undefined ? undefined : redactor.redactUrl(options.url);
    const vendorMessage = options.vendorMessage === undefined ? undefined : redactor.redactText(options.vendorMessage);
    const message = redactor.redactText(
      options.message ?? describe({ ...options, url, vendorMessage }, 'request failed'),
    );
    const cause = options.cause === undefined ? undefined : redactCause(options.cause, redactor);
    super(message, cause === undefined ? undefined : { cause });
    // Only defined fields become own properties: keeps inspect output and snapshots short.
    const fields: Record<string, unknown> = {
      kind: options.kind ?? 'http',
      vendor: options.vendor,
      status: options.status,
      vendorCode: options.vendorCode,
      vendorMessage,
      requestId: options.requestId,
      body: options.body === undefined ? undefined : redactor.redactValue(options.body),
      fieldErrors:
        options.fieldErrors === undefined || options.fieldErrors.length === 0
          ? undefined
          : options.fieldErrors.map((f) => redactor.redactValue(f) as FieldIssue),
      method: options.method,
      url,
    };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) Object.defineProperty(this, key, { value, enumerable: true, writable: false, configurable: true });
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
  Object.defineProperty(ctor.prototype, 'name', { value: name, writable: true, configurable: true, enumerable: false });
}

export interface HttpErrorOptions extends CdpkitErrorOptions {
  status: number;
}

/** The server answered with a non-2xx status. */
export class HttpError extends CdpkitError {
  declare readonly status: number;
  constructor(options: HttpErrorOptions) {
    super({ kind: 'http', ...options });
  }
}

export class BadRequestError extends HttpError {}
/** 401 / 403: the credentials are missing, wrong, expired or not allowed here. */
export class AuthError extends HttpError {
  constructor(options: HttpErrorOptions) {
    super({ ...options, kind: 'auth' });
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
    super({ ...options, kind: 'rate_limit' });
    if (options.retryAfterMs !== undefined) define(this, 'retryAfterMs', options.retryAfterMs);
    if (options.resetAt !== undefined) define(this, 'resetAt', options.resetAt);
  }
}
export class ServerError extends HttpError {}

/** The vendor's envelope reports a failure, e.g. HTTP 200 with `"status": false`. */
export class VendorError extends CdpkitError {
  constructor(options: CdpkitErrorOptions = {}) {
    super({ ...options, kind: 'vendor' });
  }
}

export interface TimeoutErrorOptions extends CdpkitErrorOptions {
  timeoutMs: number;
  /** `request`: one attempt (headers + body); `total`: all attempts and waits together. */
  scope: 'request' | 'total';
}

export class TimeoutError extends CdpkitError {
  declare readonly timeoutMs: number;
  declare readonly scope: 'request' | 'total';
  constructor(options: TimeoutErrorOptions) {
    const label = options.scope === 'total' ? 'total timeout' : 'request timeout';
    const where = [options.vendor, options.method, options.url].filter(Boolean).join(' ');
    super({
      message: `${where ? `${where}: ` : ''}${label} of ${options.timeoutMs} ms exceeded`,
      ...options,
      kind: 'timeout',
    });
    define(this, 'timeoutMs', options.timeoutMs);
    define(this, 'scope', options.scope);
  }
}

/** Connection refused / reset, DNS failure, socket hang-up. The original error is `cause`. */
export class NetworkError extends CdpkitError {
  constructor(options: CdpkitErrorOptions = {}) {
    const causeText = options.cause instanceof Error ? describeCause(options.cause) : undefined;
    const where = [options.vendor, options.method, options.url].filter(Boolean).join(' ');
    super({
      message: `${where ? `${where}: ` : ''}network error${causeText ? `: ${causeText}` : ''}`,
      ...options,
      kind: 'network',
    });
  }
}

function describeCause(err: Error): string {
  const inner = (err as { cause?: unknown }).cause;
  const code = (inner as { code?: unknown } | undefined)?.code ?? (err as { code?: unknown }).code;
  const innerMessage = inner instanceof Error ? inner.message : undefined;
  return [err.message, innerMessage, typeof code === 'string' ? `(${code})` : undefined].filter(Boolean).join(' ');
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
    const list = options.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ');
    super({ message: `Invalid input: ${list}`, ...options, kind: 'invalid_input' });
    const redactor = options.redactor ?? defaultRedactor;
    define(
      this,
      'issues',
      options.issues.map((i) => ({ path: i.path, message: redactor.redactText(i.message) })),
    );
  }
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: false, configurable: true });
}

named(CdpkitError, 'CdpkitError');
named(HttpError, 'HttpError');
named(BadRequestError, 'BadRequestError');
named(AuthError, 'AuthError');
named(NotFoundError, 'NotFoundError');
named(ConflictError, 'ConflictError');
named(UnprocessableEntityError, 'UnprocessableEntityError');
named(RateLimitError, 'RateLimitError');
named(ServerError, 'ServerError');
named(VendorError, 'VendorError');
named(TimeoutError, 'TimeoutError');
named(NetworkError, 'NetworkError');
named(InvalidInputError, 'InvalidInputError');

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
    case status === 429: {
      const rateOptions: RateLimitErrorOptions = { ...options };
      if (headers) {
        const now = nowInit ?? Date.now();
        const { resetAt } = parseRateLimitHeaders(headers, now);
        const retryAfterMs = parseRetryAfter(headers, now);
        if (resetAt !== undefined) rateOptions.resetAt = resetAt;
        if (retryAfterMs !== undefined) rateOptions.retryAfterMs = retryAfterMs;
        else if (resetAt !== undefined) rateOptions.retryAfterMs = Math.max(0, resetAt - now);
      }
      return new RateLimitError(rateOptions);
    }
    case status >= 500:
      return new ServerError(options);
    default:
      return new HttpError(options);
  }
}

/** Error codes Node / undici use for transport failures worth retrying. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
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
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const causeCode = ((err as { cause?: unknown }).cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string' && NETWORK_CODES.has(causeCode)) return true;
  return err.name === 'TypeError';
}

/** Wraps a transport failure as NetworkError (idempotent for errors that already are one). */
export function toNetworkError(
  err: unknown,
  context: { request?: Request; vendor?: string; redactor?: Redactor } = {},
): NetworkError {
  if (err instanceof NetworkError) return err;
  const options: CdpkitErrorOptions = { cause: err };
  if (context.vendor !== undefined) options.vendor = context.vendor;
  if (context.redactor !== undefined) options.redactor = context.redactor;
  if (context.request) {
    options.method = context.request.method;
    options.url = context.request.url;
  }
  return new NetworkError(options);
}
