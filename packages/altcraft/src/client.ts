import createClient, { type Client } from "openapi-fetch";
import {
  bindOperations,
  MalformedResponseError,
  NetworkError,
  sharedPolicyOptions,
  type ClientBaseOptions,
  CdpkitError,
  createOperationFetch,
  createOperationIndex,
  createPolicyFetch,
  idempotentRetry,
  httpErrorFor,
  InvalidInputError,
  Redactor,
  ReplayableRequest,
  type InvalidInputIssue,
  type OperationInit,
  type OperationMeta,
  type OperationResult,
  type PaginateMethod,
  type SendBatchMethod,
  type RetryOptions,
} from "@cdpkit/core";
import { envelopeError, WriteOutcomeUnknownError } from "./errors.js";
import type { paths } from "./generated/openapi.js";
import { operations as generated, securitySchemes, type BatchOperations, type PaginatedOperations } from "./generated/operations.js";

const VENDOR = "altcraft";
const operations: readonly OperationMeta[] = generated;
const PREFIX = "/api/v1.1/";

/** The cloud host ("ru.altkraft.com"); on-premise platforms have their own. */
export const ALTCRAFT_CLOUD_HOST = "ru.altkraft.com";

export interface AltcraftClientOptions extends ClientBaseOptions {
  /** The API token (Settings > Tokens). */
  token: string;
  /**
   * `"body"` (default): the token goes in each JSON body as `token`, as the docs describe
   * (resources/push_subscribe: the `token` query parameter, as its only sample does).
   * `"header"`: `Authorization: Bearer <token>` instead, for platforms that accept it.
   */
  tokenIn?: "body" | "header";
  /** The platform host, e.g. "marketing.example.com" (on-premise). Default the cloud host. */
  host?: string;
  /** A full base URL instead of `host` (e.g. a proxy or a local mock). */
  baseUrl?: string;
  /** Retries apply to read methods only (profiles/get, databases/list, databases/fields_get, campaigns/triggers/get),
   * and to a write the server refused with 429 or whose connection was never made. */
  retry?: RetryOptions | false;
  /**
   * Default `true`: a non-zero `error` in the envelope (or a non-2xx answer) is thrown as a typed error.
   * `false`: returned as `{ error, response }` (`error` the parsed envelope).
   */
  throwOnError?: boolean;
}

/**
 * Every method, typed by path, plus `paginate` over the list methods that page with `from_id` /
 * `next_from_id`, and `sendBatch` for the batch methods (any number of items, packed within the
 * documented limits, each item accounted for from the per-item `result` where the docs give one).
 */
export type AltcraftApi = Client<paths, "application/json"> & PaginateMethod<paths, PaginatedOperations> & SendBatchMethod<paths, BatchOperations>;

function validate(options: AltcraftClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  if (typeof options?.token !== "string" || options.token.trim() === "") issues.push({ path: "token", message: "must be a non-empty string (your API token)" });
  // CR, LF, NUL: a header cannot carry them, and fetch's TypeError would echo the token. Never echoed here.
  else if (/[\r\n\0]/.test(options.token)) issues.push({ path: "token", message: "must not contain CR, LF or NUL characters" });
  if (options?.tokenIn !== undefined && options.tokenIn !== "body" && options.tokenIn !== "header") {
    issues.push({ path: "tokenIn", message: 'must be "body" or "header"' });
  }
  if (options?.host !== undefined && (typeof options.host !== "string" || !/^[a-z0-9.-]+(:\d+)?$/i.test(options.host))) {
    issues.push({ path: "host", message: "must be a host name, e.g. marketing.example.com" });
  }
  if (options?.baseUrl !== undefined && !URL.canParse(options.baseUrl)) issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  if (options?.host !== undefined && options?.baseUrl !== undefined) issues.push({ path: "host", message: "give host or baseUrl, not both" });
  if (issues.length > 0) {
    throw new InvalidInputError({ vendor: VENDOR, message: `createAltcraftClient: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`, issues });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The typed client for every pinned Altcraft method (`client.POST("/api/v1.1/profiles/import", { body })`).
 * The token is added by the client; the `{error, error_text}` envelope is checked on every answer; a
 * data-modifying request is sent once and never re-sent.
 */
export function createAltcraftClient(options: AltcraftClientOptions): AltcraftApi {
  validate(options);
  const baseUrl = (options.baseUrl ?? `https://${options.host ?? ALTCRAFT_CLOUD_HOST}`).replace(/\/+$/, "");
  const tokenIn = options.tokenIn ?? "body";
  const index = createOperationIndex(operations, baseUrl);
  const redactor = new Redactor({ secrets: () => [options.token] });
  const policyFetch = createPolicyFetch({
    vendor: VENDOR,
    redactor,
    ...sharedPolicyOptions(options),
    operationFor: (request) => index.findRequest(request),
    // Reads only: "The platform will not accept a repeated request if it modifies the data".
    retry: idempotentRetry(index, options.retry, options.clock),
    rateLimit: false,
  });
  const transport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes: securitySchemes,
    credentials: {
      BearerToken: tokenIn === "header" ? options.token : undefined,
      QueryToken: tokenIn === "body" ? options.token : undefined,
    },
    fetch: policyFetch,
  });
  const base = createClient<paths>({ baseUrl, Request: ReplayableRequest });
  const throwOnError = options.throwOnError ?? true;

  const bound = bindOperations(base, {
    vendor: VENDOR,
    factory: "createAltcraftClient",
    fetchFor: transport.fetchFor,
    operationFor: transport.operationFor,
    redactor,
    // Added by the client (tokenIn "body"), so not required of the caller.
    clientFilledBodyFields: ["token"],
    // A batch answers per item ({error, error_text, profile_id}): a non-zero error rejects that item alone.
    itemRejection: (result, _method, path) =>
      isObject(result) && typeof result.error === "number" && result.error !== 0
        ? envelopeError(result as { error: number; error_text?: unknown }, path.slice(PREFIX.length), { status: 200, url: `${baseUrl}${path}` }, redactor)
        : undefined,
    prepare: (init: OperationInit | undefined, _method, path) => {
      if (tokenIn !== "body" || path === `${PREFIX}resources/push_subscribe`) return init;
      const body = init?.body;
      if (body !== undefined && !isObject(body)) return init;
      // The caller's body is never modified: the token goes into a copy.
      return { ...init, body: { ...(body ?? {}), token: options.token } };
    },
    finish: async (call, method, path) => {
      const altcraftMethod = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path;
      const result: OperationResult = await call();
      const envelope = (result.data ?? result.error) as { error?: unknown } | undefined;
      // Every documented answer is the {error, error_text, data} envelope; a 2xx without it
      // (empty, HTML, other JSON) did not report success.
      if (result.response.ok && !(isObject(envelope) && typeof envelope.error === "number")) {
        throw new MalformedResponseError({
          vendor: VENDOR,
          method,
          status: result.response.status,
          url: result.response.url,
          body: envelope,
          redactor,
          vendorCode: "malformed_response",
          message: `altcraft ${altcraftMethod}: HTTP ${result.response.status} without the {error, error_text} envelope; not a success`,
        });
      }
      if (isObject(envelope) && typeof envelope.error === "number" && envelope.error !== 0) {
        const failure = envelopeError(envelope as { error: number; error_text?: unknown }, altcraftMethod, result.response, redactor);
        if (throwOnError) throw failure;
        return { error: envelope, response: result.response };
      }
      if (!result.response.ok && throwOnError) {
        throw httpErrorFor({ vendor: VENDOR, status: result.response.status, headers: result.response.headers, method, url: result.response.url, body: result.error, redactor });
      }
      return result;
    },
  }) as AltcraftApi;

  // A write that failed in transit may or may not have been applied: say so, hand back what was
  // sent, never re-send (the retry policy already refuses: writes are not idempotent in the spec).
  const post = bound.POST.bind(bound) as (path: string, init?: { body?: unknown }) => Promise<unknown>;
  (bound as { POST: unknown }).POST = async (path: string, init?: { body?: unknown }) => {
    try {
      return await post(path, init);
    } catch (error) {
      const op = operations.find((o) => o.path === path && o.method.toUpperCase() === "POST");
      // No connection was made: nothing reached the platform, so the outcome is known (not applied).
      const neverSent = error instanceof NetworkError && error.phase === "connect";
      if (op && !op.idempotent && !neverSent && error instanceof CdpkitError && (error.kind === "network" || error.kind === "timeout")) {
        throw new WriteOutcomeUnknownError(path.slice(PREFIX.length), stripToken(init?.body), error, redactor);
      }
      throw error;
    }
  };
  return bound;
}

function stripToken(body: unknown): unknown {
  if (!isObject(body)) return body;
  const { token: _token, ...rest } = body;
  return rest;
}
