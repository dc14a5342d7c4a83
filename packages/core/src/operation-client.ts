import { applySecurity, type AppliedCredential, type Credential, type SecuritySchemeMeta } from "./auth.js";
import { httpErrorForResult, InvalidInputError, MalformedResponseError, type CdpkitError } from "./errors.js";
import type { Page, PaginateOptions, Paginator } from "./paginate.js";
import type { BatchOutcome, BatchReport, BatchRunOptions, ItemSource } from "./batch.js";
import { discardBody } from "./body.js";
import { loadHelper } from "./on-demand.js";
import { utf8Bytes, valueAt } from "./json.js";
import type { Redactor } from "./redact.js";
import type { FetchLike, Transport } from "./fetch.js";
import { createCall, hasBody, LightRequest, rebuildRequest } from "./call.js";
import { createOperationIndex, type OperationIndex, type OperationMeta } from "./operations.js";

/**
 * The glue every vendor client needs between openapi-fetch and the policies: per operation, tag the
 * request with its operation facts, set its credentials as the spec says, then hand it to the
 * policy fetch. Kept here so a vendor package only adds what is its own (envelope, defaults).
 */
export interface OperationFetchOptions<O extends OperationMeta> {
  /** `operations` from the vendor's generated `operations.ts`. */
  readonly operations: readonly O[];
  readonly baseUrl: string;
  /** `securitySchemes` from the generated `operations.ts`. */
  readonly schemes: Readonly<Record<string, SecuritySchemeMeta>>;
  /** Credential per security-scheme name; a function is called per request (login/refresh flows). */
  readonly credentials: Readonly<Partial<Record<string, Credential | undefined>>>;
  /** Maps a scheme name to the client option a user sets, for the missing-credential error. */
  readonly optionFor?: (scheme: string) => string;
  /** What every request goes through after auth, normally `createPolicyFetch(...)`; it gets the call. */
  readonly fetch: Transport;
  /** The index the policies already consult (retry safety, rate-limit scope), so the operation
   * tagged here is the one they find. Default: a new index over `operations`. */
  readonly index?: OperationIndex<O>;
  /**
   * Called when an operation that sent credentials gets HTTP 401, with the credentials it carried.
   * Return true after dropping the stale one to have the request sent once more with fresh
   * credentials; false returns the 401 as is. A request whose body cannot be replayed (a stream) is
   * never re-sent. Default: a token from a TokenSource is invalidated (exactly that token) and the
   * request replayed once; plain values are not.
   */
  readonly onUnauthorized?: (info: {
    request: Request;
    response: Response;
    operation: O;
    applied: readonly AppliedCredential[];
  }) => boolean | Promise<boolean>;
}

/** The default 401 rule: drop exactly the tokens that failed, replay when a source can give new ones. */
function invalidateApplied({ applied }: { applied: readonly AppliedCredential[] }): boolean {
  let renewable = false;
  for (const credential of applied) if (credential.source?.invalidate(credential.value)) renewable = true;
  return renewable;
}

export interface OperationFetch<O extends OperationMeta> {
  readonly index: OperationIndex<O>;
  /** For a request whose operation is not known up front: found by method and URL. */
  readonly fetch: FetchLike;
  /**
   * The fetch for one operation, by verb and path template exactly as the spec writes them.
   * `safeToRepeat` overrides the spec for the requests of this fetch (e.g. a batch whose items carry ids).
   */
  fetchFor(method: string, path: string, facts?: { safeToRepeat?: boolean }): FetchLike | undefined;
  /** The operation's facts, by verb and path template. */
  operationFor(method: string, path: string): O | undefined;
}

export function createOperationFetch<O extends OperationMeta>(options: OperationFetchOptions<O>): OperationFetch<O> {
  const index = options.index ?? createOperationIndex(options.operations, options.baseUrl);
  const authorize = async (request: Request, op: O, label: string | undefined, applied: AppliedCredential[]): Promise<Request> => {
    if (op.headers) {
      for (const [name, value] of Object.entries(op.headers)) if (!request.headers.has(name)) request.headers.set(name, value);
    }
    // Header credentials are set in place; a query credential needs a new Request (new URL).
    const outgoing = await applySecurity(
      request,
      {
        security: op.security,
        schemes: options.schemes,
        credentials: options.credentials,
        operation: label ?? `${op.method.toUpperCase()} ${op.path}`,
        ...(options.optionFor ? { optionFor: options.optionFor } : {}),
      },
      applied,
    );
    return outgoing;
  };
  const onUnauthorized = options.onUnauthorized ?? invalidateApplied;
  const send = async (request: Request, op: O | undefined, label?: string, facts?: { safeToRepeat?: boolean }): Promise<Response> => {
    if (!op) return options.fetch(request);
    // The call is created here, where the operation is known, and travels with the request.
    const callFacts = { operation: op, safeToRepeat: facts?.safeToRepeat ?? op.idempotent };
    const call = createCall(request, callFacts);
    const outgoing = await authorize(request, op, label, call.credentials);
    const response = await options.fetch(outgoing, call);
    // Replayed only with a body we can send again (kept by ReplayableRequest) or none at all.
    const replayable = !hasBody(request) || call.body !== undefined;
    if (response.status !== 401 || !replayable || call.credentials.length === 0) return response;
    if (!(await onUnauthorized({ request: outgoing, response, operation: op, applied: call.credentials }))) return response;
    await discardBody(response);
    // A fetch other than the global one reads the Request's own body: rebuild it from the kept bytes.
    const again = request.bodyUsed ? rebuildRequest(request, call, {}) : request;
    const replay = createCall(again, callFacts);
    return options.fetch(await authorize(again, op, label, replay.credentials), replay);
  };
  // openapi-fetch knows the verb and path template before it builds the Request: a fetch per
  // operation means no policy has to match the URL again.
  const byOperation = new Map<string, FetchLike>();
  const byLabel = new Map<string, O>();
  for (const op of options.operations) {
    const label = `${op.method.toUpperCase()} ${op.path}`;
    byOperation.set(label, (request) => send(request, op, label));
    byLabel.set(label, op);
  }
  return {
    index,
    fetch: (request) => send(request, index.findRequest(request)),
    fetchFor: (method, path, facts) => {
      const label = `${method.toUpperCase()} ${path}`;
      if (!facts) return byOperation.get(label);
      const op = byLabel.get(label);
      return op ? (request) => send(request, op, label, facts) : undefined;
    },
    operationFor: (method, path) => byLabel.get(`${method.toUpperCase()} ${path}`),
  };
}

/** The part of an openapi-fetch call's `init` this module reads. */
export type OperationInit = Record<string, unknown> & { fetch?: unknown; safeToRepeat?: unknown };

/**
 * What a call may add to openapi-fetch's `init`. `safeToRepeat`: the caller vouches that sending this
 * request twice does no harm (its body carries the vendor's own dedup key, e.g. Synerise events with an
 * `eventSalt`), so retries treat it as idempotent whatever the spec says; `false` forbids repeating it.
 */
export interface CallOptions {
  safeToRepeat?: boolean;
}
/** The part of an openapi-fetch result this module reads. */
export interface OperationResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

export interface BindOperationsOptions {
  /** Named in errors. */
  readonly vendor: string;
  /** The factory users call, named in the per-call `fetch` error, e.g. `createDfineryClient`. */
  readonly factory: string;
  readonly fetchFor: (method: string, path: string, facts?: { safeToRepeat?: boolean }) => FetchLike | undefined;
  /** The facts of the operation (request body shape, success body), for checks before and after. */
  readonly operationFor?: (method: string, path: string) => OperationMeta | undefined;
  /** Scrubs the `error` body handed back when a call does not throw (it may echo a credential). */
  readonly redactor?: Redactor;
  /** The typed error for a call that answered with an error (pagination ends with it). Default: by status. */
  readonly errorFor?: (result: OperationResult, method: string, path: string) => Error;
  /** The vendor's word on one item of a batch answer (`x-cdpkit-batch` `results`): its error, or undefined when taken. */
  readonly itemRejection?: (result: unknown, method: string, path: string) => CdpkitError | undefined;
  /**
   * Build each request as a LightRequest while no openapi-fetch middleware is registered: set it when
   * every operation fetch only reads the request's fields and never hands it to a native API
   * (`fetch(request)`, `new Request(request)`), as createPolicyFetch does. Default false.
   */
  readonly lightRequests?: boolean;
  /** Body fields the client fills in itself (e.g. a token), so they are not required of the caller. */
  readonly clientFilledBodyFields?: readonly string[];
  /** Fills vendor defaults into each call's init (e.g. a service id query parameter). It must not
   * modify `init`; returning it unchanged is fine. `op`: the operation's facts, looked up once per call. */
  readonly prepare?: (
    init: OperationInit | undefined,
    method: string,
    path: string,
    op: OperationMeta | undefined,
  ) => OperationInit | undefined;
  /** Runs each call: the place for an envelope check or throw-on-error. Default: the call as is. */
  readonly finish?: (
    call: () => Promise<OperationResult>,
    method: string,
    path: string,
    op: OperationMeta | undefined,
  ) => Promise<OperationResult>;
}

export const HTTP_VERBS = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"] as const;

type Verb = (path: string, init?: OperationInit) => Promise<OperationResult>;

/** Runs `fn`, turning a synchronous throw into a rejection without an extra async frame. */
function attempt<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (error) {
    return Promise.reject(error);
  }
}
type RequestVerb = (method: string, path: string, init?: OperationInit) => Promise<OperationResult>;

/**
 * Returns a copy of an openapi-fetch client whose verbs (and `request`) route every call through
 * the operation's own fetch, after `prepare` and inside `finish`. A per-call `fetch` would skip auth
 * and every policy, so it is refused with an `InvalidInputError` (as a rejection, like any failure).
 */
export function bindOperations<C extends object>(client: C, options: BindOperationsOptions): C {
  const { vendor, redactor } = options;
  const filled = new Set(options.clientFilledBodyFields ?? []);
  // The middleware registered with `use`, mirrored so `route` knows whether any is there.
  const middleware = new Set<unknown>();
  const route = (method: string, path: string, init: OperationInit | undefined, op: OperationMeta | undefined): OperationInit => {
    if (init?.fetch !== undefined) {
      throw new InvalidInputError({
        vendor,
        message: `${method} ${path}: a per-call \`fetch\` is not supported; pass \`fetch\` to ${options.factory}`,
        issues: [{ path: "fetch", message: `pass it to ${options.factory}` }],
      });
    }
    const safeToRepeat = init?.safeToRepeat;
    if (safeToRepeat !== undefined && typeof safeToRepeat !== "boolean") {
      throw new InvalidInputError({
        vendor,
        message: `${method} ${path}: safeToRepeat must be a boolean`,
        issues: [{ path: "safeToRepeat", message: "must be a boolean" }],
      });
    }
    const opFetch = options.fetchFor(method, path, safeToRepeat === undefined ? undefined : { safeToRepeat });
    // A call outside the spec would skip auth rules, retry rules, limits and timeouts: refused.
    if (!opFetch) {
      throw new InvalidInputError({
        vendor,
        message: `${method} ${path} is not an operation of the ${vendor} spec`,
        issues: [{ path: "path", message: `${method} ${path} is not in the spec` }],
      });
    }
    if (op?.requestBody) checkBody(init?.body, op, method, path, vendor, filled);
    // The caller's own init is never modified: copy unless `prepare` already made a new object.
    const given = options.prepare ? options.prepare(init, method, path, op) : init;
    const prepared: OperationInit = given === undefined || given === init ? { ...init } : given;
    delete prepared.safeToRepeat;
    // A string body is the caller's own serialisation (checkBody lets it through): sent as given.
    if (typeof prepared.body === "string" && prepared.bodySerializer === undefined) prepared.bodySerializer = (text: string) => text;
    prepared.fetch = opFetch;
    // Redirects are the policy fetch's to follow (withRedirects), never fetch's own.
    prepared.redirect = "manual";
    // No middleware will see the request (it might hand it to `fetch` or `new Request`): the light one.
    const perCall = prepared.middleware;
    if (
      options.lightRequests &&
      middleware.size === 0 &&
      !(Array.isArray(perCall) && perCall.length > 0) &&
      prepared.Request === undefined
    ) {
      prepared.Request = LightRequest;
    }
    return prepared;
  };
  const userFinish = options.finish ?? ((call) => call());
  const finish = async (
    call: () => Promise<OperationResult>,
    method: string,
    path: string,
    op: OperationMeta | undefined,
  ): Promise<OperationResult> => {
    const result = await userFinish(() => checkSuccess(call, { op, method, path, vendor, redactor }), method, path, op);
    // With throwOnError off, the error body reaches the caller: scrubbed like any error field.
    return result.error !== undefined && redactor ? { ...result, error: redactor.redactValue(result.error) } : result;
  };
  const raw = client as unknown as Record<string, unknown>;
  const bound: Record<string, unknown> = { ...raw };
  for (const verb of HTTP_VERBS) {
    const call = raw[verb] as Verb | undefined;
    if (typeof call !== "function") continue;
    bound[verb] = (path: string, init?: OperationInit) =>
      attempt(() => {
        const op = options.operationFor?.(verb, path);
        const routed = route(verb, path, init, op);
        return finish(() => call(path, routed), verb, path, op);
      });
  }
  const request = raw.request as RequestVerb | undefined;
  if (typeof request === "function") {
    bound.request = (method: string, path: string, init?: OperationInit) => {
      const verb = String(method).toUpperCase();
      return attempt(() => {
        const op = options.operationFor?.(verb, path);
        const routed = route(verb, path, init, op);
        return finish(() => request(method, path, routed), verb, path, op);
      });
    };
  }
  for (const name of ["use", "eject"] as const) {
    const fn = raw[name];
    if (typeof fn !== "function") continue;
    bound[name] = (...given: unknown[]) => {
      fn.apply(client, given);
      for (const m of given) if (m) name === "use" ? middleware.add(m) : middleware.delete(m);
    };
  }
  const errorFor =
    options.errorFor ?? ((result: OperationResult, method: string) => httpErrorForResult(result, { vendor, method, redactor }));
  /** A helper asked of an operation the spec gives no such extension. */
  const notA = (verb: string, path: string, what: string, extension: string): InvalidInputError =>
    new InvalidInputError({
      vendor,
      message: `${verb} ${path} is not a ${what} operation (the spec gives it no ${extension})`,
      issues: [{ path: "path", message: `${verb} ${path} is not a ${what} operation` }],
    });
  bound.paginate = (method: string, path: string, init?: OperationInit, paging?: PaginateOptions): Paginator<unknown> => {
    const verb = String(method).toUpperCase();
    const call = bound[verb] as Verb;
    async function* pages(): AsyncGenerator<Page<unknown>> {
      const pagination = options.operationFor?.(verb, path)?.pagination;
      if (!pagination) throw notA(verb, path, "paginated", "x-cdpkit-pagination");
      // Loaded at the first page, not with the client: an app that never pages does not carry the pager.
      const { paginatePages } = await loadHelper(vendor, "paginate", () => import("./paginate.js"));
      yield* paginatePages(
        (pageInit) => call(path, pageInit),
        pagination,
        (init ?? {}) as Record<string, unknown>,
        { vendor, operation: `${verb} ${path}`, toError: (result) => errorFor(result, verb, path) },
        paging,
      );
    }
    async function* items(): AsyncGenerator<unknown> {
      // As paginateItems does, written here so the pager module is awaited once (by pages), not twice.
      for await (const page of pages()) yield* page.items;
    }
    return { pages, [Symbol.asyncIterator]: items };
  };
  bound.sendBatch = async (
    method: string,
    path: string,
    items: ItemSource<unknown>,
    common: Record<string, unknown> = {},
    run: BatchRunOptions = {},
  ): Promise<BatchReport<unknown>> => {
    const verb = String(method).toUpperCase();
    const facts = options.operationFor?.(verb, path)?.batch;
    if (!facts) throw notA(verb, path, "batch", "x-cdpkit-batch");
    const call = bound[verb] as Verb;
    // The other body fields travel in every request; a margin covers what the client adds (a token).
    const overheadBytes = utf8Bytes(JSON.stringify({ ...common, [facts.items]: [] })) + 256;
    // Loaded at the first batch, not with the client (see paginate above).
    const { runBatches } = await loadHelper(vendor, "sendBatch", () => import("./batch.js"));
    return runBatches(
      items,
      {
        vendor,
        ...(redactor ? { redactor } : {}),
        limits: {
          maxItems: facts.maxItems ?? Number.POSITIVE_INFINITY,
          ...(facts.maxBytes !== undefined ? { maxBytes: facts.maxBytes } : {}),
          overheadBytes,
        },
        prepare: (item) => item,
        send: async (batch, signal): Promise<BatchOutcome> => {
          const body = { ...common, [facts.items]: batch.entries.map((e) => e.item) };
          const result = await call(path, { body, ...(signal ? { signal } : {}) });
          if (result.error !== undefined || !result.response.ok) throw errorFor(result, verb, path);
          const results = facts.results === undefined ? undefined : valueAt(result.data, facts.results);
          if (!Array.isArray(results) || !options.itemRejection) return {};
          const rejected: { entry: number; error: CdpkitError }[] = [];
          results.forEach((entry, i) => {
            const error = options.itemRejection!(entry, verb, path);
            if (error && i < batch.entries.length) rejected.push({ entry: i, error });
          });
          return { rejected };
        },
      },
      run,
    );
  };
  return bound as C;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Blob) && !ArrayBuffer.isView(value);

/** The body's outer shape and required fields, as the spec declares them, before anything is sent. */
function checkBody(body: unknown, op: OperationMeta, method: string, path: string, vendor: string, filled: ReadonlySet<string>): void {
  const shape = op.requestBody!;
  // A string or bytes body is the caller's own serialisation: sent as given.
  if (typeof body === "string" || body instanceof Blob || ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return;
  const issues: { path: string; message: string }[] = [];
  if (shape.type === "array") {
    if (!Array.isArray(body)) issues.push({ path: "body", message: "must be an array" });
  } else if (!isPlainObject(body)) {
    issues.push({ path: "body", message: `must be an object${body === undefined ? " (none was given)" : ""}` });
  } else {
    for (const field of shape.required ?? []) {
      if (!filled.has(field) && (body[field] === undefined || body[field] === null))
        issues.push({ path: `body.${field}`, message: "is required" });
    }
  }
  if (issues.length > 0) {
    throw new InvalidInputError({
      vendor,
      message: `${method} ${path}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    });
  }
}

export interface SuccessCheck {
  readonly op: OperationMeta | undefined;
  readonly method: string;
  readonly path: string;
  readonly vendor: string;
  readonly redactor?: Redactor | undefined;
}

/**
 * Runs an openapi-fetch call and refuses a 2xx that is not a success: a body that does not parse as
 * JSON (an HTML page, a truncated answer), or an empty one where the spec documents JSON, is a
 * MalformedResponseError, never data. bindOperations applies it to every call; a
 * helper that calls the raw client applies it itself.
 */
export async function checkSuccess(call: () => Promise<OperationResult>, check: SuccessCheck): Promise<OperationResult> {
  const { op, method, path, vendor, redactor } = check;
  const malformed = (message: string, extra: { status?: number; url?: string; body?: unknown; cause?: unknown }): MalformedResponseError =>
    new MalformedResponseError({
      vendor,
      method,
      ...extra,
      ...(redactor ? { redactor } : {}),
      message: `${vendor} ${method} ${path}: ${message}`,
      vendorCode: "malformed_response",
    });
  let result: OperationResult;
  try {
    result = await call();
  } catch (error) {
    if (error instanceof SyntaxError) throw malformed(`the response body is not valid JSON (${error.message})`, { cause: error });
    throw error;
  }
  const { response } = result;
  const { status, url } = response;
  if (op?.successBody === "json" && response.ok && status !== 204 && method !== "HEAD" && result.data === undefined) {
    throw malformed(`HTTP ${status} with an empty body where the spec documents a JSON answer`, { status, url });
  }
  if (op?.successType !== undefined && response.ok && result.data !== undefined && jsonType(result.data) !== op.successType) {
    throw malformed(`HTTP ${status} with a JSON ${jsonType(result.data)} where the spec documents an ${op.successType}`, {
      status,
      url,
      body: result.data,
    });
  }
  return result;
}

function jsonType(value: unknown): string {
  return Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
}
