import createClient, { type Client } from "openapi-fetch";
import {
  bindOperations,
  sharedPolicyOptions,
  type ClientBaseOptions,
  createOperationFetch,
  createOperationIndex,
  createPolicyFetch,
  idempotentRetry,
  rateLimitRulesFrom,
  InvalidInputError,
  Redactor,
  ReplayableRequest,
  type Clock,
  type Logger,
  type OperationFetch,
  type OperationMeta,
  type OperationResult,
  type RateLimitRule,
  type RateLimitStore,
  type RetryOptions,
} from "@cdpkit/core";
import { checkEnvelope, errorForResponse } from "./envelope.js";
import { fillEventLogIds } from "./events.js";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, servers } from "./generated/operations.js";

export const DFINERY_BASE_URL: string = servers[0];
const VENDOR = "dfinery";

/** Rate-limit scopes named in the spec's `x-cdpkit-rate-limit` (one bucket per scope and service). */
export type DfineryRateLimitScope = "events" | "identity" | "profile" | "export";

export interface DfineryRateLimitOptions {
  /** Overrides of the documented defaults, e.g. when DFINERY raised your service's quota. */
  rules?: Partial<Record<DfineryRateLimitScope, RateLimitRule>>;
  /** Share one budget between processes (e.g. a Redis-backed store). Default: in memory. */
  store?: RateLimitStore;
  /** Waiting longer than this for a token throws RateLimitError instead. Default 60 s. */
  maxWaitMs?: number;
}

export interface DfineryClientOptions extends ClientBaseOptions {
  /** Your DFINERY service id, sent as the `service_id` query parameter on every call. */
  serviceId: string;
  /** Import API token (events, identities, user profiles), sent in the `access_token` header. */
  importToken?: string;
  /** Export API token (CSV exports), sent as `Authorization: Bearer`. */
  exportToken?: string;
  /** Default `https://openapi.dfinery.ai`. */
  baseUrl?: string;
  /** Client-side limits, defaulting to DFINERY's documented per-service limits. `false` turns them off. */
  rateLimit?: DfineryRateLimitOptions | false;
  /** Throw a typed error for non-2xx responses instead of returning `{ error, response }`. */
  throwOnError?: boolean;
}

/** The spec's paths with `service_id` made optional: the client fills it in. */
type WithoutServiceId<P> = {
  [Path in keyof P]: {
    [Method in keyof P[Path]]: P[Path][Method] extends { parameters: { query: infer Q } }
      ? Omit<P[Path][Method], "parameters"> & {
          parameters: Omit<P[Path][Method]["parameters"], "query"> & {
            query?: Omit<Q, "service_id"> & { service_id?: string };
          };
        }
      : P[Path][Method];
  };
};

export type DfineryPaths = WithoutServiceId<paths>;
export type DfineryApi = Client<DfineryPaths, "application/json">;

export interface DfineryContext {
  readonly api: DfineryApi;
  readonly options: Readonly<DfineryClientOptions>;
  readonly redactor: Redactor;
  readonly clock: Clock | undefined;
}

function validateOptions(options: DfineryClientOptions): void {
  const issues: { path: string; message: string }[] = [];
  if (typeof options?.serviceId !== "string" || options.serviceId.trim() === "") {
    issues.push({ path: "serviceId", message: "must be a non-empty string (your DFINERY service id)" });
  }
  for (const key of ["importToken", "exportToken"] as const) {
    const value = options?.[key];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
      issues.push({ path: key, message: "must be a non-empty string when given" });
    } else if (typeof value === "string" && /[\r\n\0]/.test(value)) {
      // A header cannot carry them, and fetch's TypeError would echo the token: refuse it here, unechoed.
      issues.push({ path: key, message: "must not contain CR, LF or NUL characters" });
    }
  }
  if (options && options.importToken === undefined && options.exportToken === undefined) {
    issues.push({ path: "importToken", message: "give importToken, exportToken or both" });
  }
  if (options?.baseUrl !== undefined && !URL.canParse(options.baseUrl)) {
    issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  }
  if (issues.length > 0) {
    throw new InvalidInputError({
      vendor: VENDOR,
      message: `createDfineryClient: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    });
  }
}

/**
 * Builds the typed openapi-fetch client over the policy fetch, plus the context helpers use.
 * Every operation of the spec is reachable as `api.POST("/api/v1/...", { body })`.
 */
export function createDfineryContext(options: DfineryClientOptions): DfineryContext {
  validateOptions(options);
  const baseUrl = options.baseUrl ?? DFINERY_BASE_URL;
  const index = createOperationIndex(operations, baseUrl);
  const redactor = new Redactor({
    secrets: () => [options.importToken, options.exportToken].filter((s): s is string => !!s),
  });

  const policyFetch = createPolicyFetch({
    vendor: VENDOR,
    redactor,
    ...sharedPolicyOptions(options),
    operationFor: (request) => index.findRequest(request),
    // Safe to repeat: what the spec marks idempotent (events carry an event_log_id that DFINERY
    // deduplicates on; identity and profile calls set state; exports only read).
    retry: idempotentRetry(index, options.retry, options.clock),
    rateLimit:
      options.rateLimit === false
        ? false
        : {
            rules: rateLimitRulesFrom(operations, options.rateLimit?.rules),
            scopeFor: (request) => index.findRequest(request)?.rateLimit.scope,
            keyPrefix: `${VENDOR}:${options.serviceId}`,
            store: options.rateLimit?.store,
            maxWaitMs: options.rateLimit?.maxWaitMs,
            clock: options.clock,
          },
  });

  const transport = createOperationFetch({
    index,
    operations,
    baseUrl,
    schemes: securitySchemes,
    credentials: { importToken: options.importToken, exportToken: options.exportToken },
    optionFor: (scheme) => `the ${scheme} option`,
    fetch: policyFetch,
  });
  const base = createClient<paths>({
    baseUrl,
    fetch: transport.fetch,
    // Remembers the serialised body so retries re-send it instead of cloning the stream.
    Request: ReplayableRequest,
  });

  const api = bindDfineryOperations(base, options, redactor, transport);
  return { api, options, redactor, clock: options.clock };
}

/**
 * Fills `service_id` into every call and applies the envelope rule: DFINERY answers some failures
 * with HTTP 200 and `"status": false`, which must never reach the caller as data.
 */
function bindDfineryOperations(
  base: Client<paths>,
  options: DfineryClientOptions,
  redactor: Redactor,
  transport: Pick<OperationFetch<OperationMeta>, "fetchFor" | "operationFor">,
): DfineryApi {
  const bound = bindOperations(base, {
    vendor: VENDOR,
    factory: "createDfineryClient",
    fetchFor: transport.fetchFor,
    operationFor: transport.operationFor,
    redactor,
    prepare: (init, method, path) => {
      const params = (init?.params ?? {}) as { query?: Record<string, unknown> };
      const prepared = { ...init, params: { ...params, query: { service_id: options.serviceId, ...params.query } } };
      // Every event gets an event_log_id (in a copy), so a retried POST cannot be stored twice.
      return method === "POST" && path === "/api/v1/events" ? { ...prepared, body: fillEventLogIds(init?.body) } : prepared;
    },
    finish: async (call, method, path) => {
      const result: OperationResult = await call();
      // Exports answer CSV (a stream); every other operation answers the import envelope.
      if (result.error === undefined && result.response.ok && transport.operationFor(method, path)?.successBody !== "stream") {
        checkEnvelope(result.data, result.response, method, redactor);
      } else if (options.throwOnError) {
        throw errorForResponse(result.response, result.error, method, redactor);
      }
      return result;
    },
  });
  return bound as unknown as DfineryApi;
}
