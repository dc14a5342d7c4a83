import {
  assertClientOptions,
  CdpkitError,
  createVendorClient,
  credentialIssue,
  httpErrorForResult,
  MalformedResponseError,
  NetworkError,
  type ClientBaseOptions,
  type InvalidInputIssue,
  type OperationInit,
  type OperationResult,
  type PaginateMethod,
  type SendBatchMethod,
  type VendorClient,
} from "@cdpkit/core";
import type { Client } from "openapi-fetch";
import { envelopeError, WriteOutcomeUnknownError } from "./errors.js";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, type BatchOperations, type PaginatedOperations } from "./generated/operations.js";

const VENDOR = "altcraft";
const FACTORY = "createAltcraftClient";
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
  /**
   * `true`: a non-zero `error` in the envelope (or a non-2xx answer) is thrown as a typed error.
   * Default `false`, as for every cdpkit client: returned as `{ error, response }` (`error` the parsed envelope).
   */
  throwOnError?: boolean;
}

/**
 * Every method, typed by path, plus `paginate` over the list methods that page with `from_id` /
 * `next_from_id`, and `sendBatch` for the batch methods (any number of items, packed within the
 * documented limits, each item accounted for from the per-item `result` where the docs give one).
 */
export type AltcraftApi = Client<paths, "application/json"> &
  PaginateMethod<paths, PaginatedOperations> &
  SendBatchMethod<paths, BatchOperations>;

function validate(options: AltcraftClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  const token = credentialIssue("token", options?.token);
  if (token) issues.push(token);
  if (options?.tokenIn !== undefined && options.tokenIn !== "body" && options.tokenIn !== "header") {
    issues.push({ path: "tokenIn", message: 'must be "body" or "header"' });
  }
  if (options?.host !== undefined && (typeof options.host !== "string" || !/^[a-z0-9.-]+(:\d+)?$/i.test(options.host))) {
    issues.push({ path: "host", message: "must be a host name, e.g. marketing.example.com" });
  }
  if (options?.host !== undefined && options?.baseUrl !== undefined)
    issues.push({ path: "host", message: "give host or baseUrl, not both" });
  assertClientOptions(VENDOR, FACTORY, options, issues);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The typed client for every pinned Altcraft method (`client.POST("/api/v1.1/profiles/import", { body })`).
 * The token is added by the client; the `{error, error_text}` envelope is checked on every answer; a
 * data-modifying request is sent once and never re-sent.
 */
export function createAltcraftClient(options: AltcraftClientOptions): AltcraftApi {
  validate(options);
  const baseUrl = options.baseUrl ?? `https://${options.host ?? ALTCRAFT_CLOUD_HOST}`;
  const tokenIn = options.tokenIn ?? "body";
  const methodOf = (path: string): string => (path.startsWith(PREFIX) ? path.slice(PREFIX.length) : path);
  /** A non-zero `error` in the envelope (whatever the HTTP status) is the failure it names; else by status. */
  const errorFor = (result: OperationResult, method: string, path: string): CdpkitError =>
    isObject(result.error) && typeof result.error.error === "number" && result.error.error !== 0
      ? envelopeError(result.error as { error: number; error_text?: unknown }, methodOf(path), result.response, client.redactor)
      : httpErrorForResult(result, { vendor: VENDOR, method, redactor: client.redactor });
  const client: VendorClient<AltcraftApi> = createVendorClient<paths, AltcraftApi>(
    { vendor: VENDOR, factory: FACTORY, operations, securitySchemes },
    options,
    {
      baseUrl,
      credentials: {
        BearerToken: tokenIn === "header" ? options.token : undefined,
        QueryToken: tokenIn === "body" ? options.token : undefined,
      },
      secrets: () => [options.token],
      // Altcraft documents no rate limit. Retries: reads only ("The platform will not accept a repeated
      // request if it modifies the data"), which is what the spec marks idempotent.
      rateLimit: false,
      errorFor,
      // Added by the client (tokenIn "body"), so not required of the caller.
      clientFilledBodyFields: ["token"],
      // A batch answers per item ({error, error_text, profile_id}): a non-zero error rejects that item alone.
      itemRejection: (result, _method, path) =>
        isObject(result) && typeof result.error === "number" && result.error !== 0
          ? envelopeError(
              result as { error: number; error_text?: unknown },
              methodOf(path),
              { status: 200, url: `${baseUrl}${path}` },
              client.redactor,
            )
          : undefined,
      prepare: (init: OperationInit | undefined, _method, path) => {
        if (tokenIn !== "body" || path === `${PREFIX}resources/push_subscribe`) return init;
        const body = init?.body;
        if (body !== undefined && !isObject(body)) return init;
        // The caller's body is never modified: the token goes into a copy.
        return { ...init, body: { ...(body ?? {}), token: options.token } };
      },
      finish: async (call, method, path) => {
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
            redactor: client.redactor,
            vendorCode: "malformed_response",
            message: `altcraft ${methodOf(path)}: HTTP ${result.response.status} without the {error, error_text} envelope; not a success`,
          });
        }
        // HTTP 200 with a non-zero `error` is a failure: handed back as `error` (or thrown with throwOnError).
        return isObject(envelope) && envelope.error !== 0 ? { error: envelope, response: result.response } : result;
      },
    },
  );

  // A write that failed in transit may or may not have been applied: say so, hand back what was
  // sent, never re-send (the retry policy already refuses: writes are not idempotent in the spec).
  const bound = client.api;
  const post = bound.POST.bind(bound) as (path: string, init?: { body?: unknown }) => Promise<unknown>;
  (bound as { POST: unknown }).POST = async (path: string, init?: { body?: unknown }) => {
    try {
      return await post(path, init);
    } catch (error) {
      const op = client.transport.operationFor("POST", path);
      // No connection was made: nothing reached the platform, so the outcome is known (not applied).
      const neverSent = error instanceof NetworkError && error.phase === "connect";
      if (op && !op.idempotent && !neverSent && error instanceof CdpkitError && (error.kind === "network" || error.kind === "timeout")) {
        throw new WriteOutcomeUnknownError(methodOf(path), stripToken(init?.body), error, client.redactor);
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
