import {
  assertClientOptions,
  createVendorClient,
  credentialIssue,
  type ClientBaseOptions,
  type ClientFilledPaths,
  type Clock,
  type InvalidInputIssue,
  type OperationResult,
  type Redactor,
  type VendorClient,
  type VendorRateLimitOptions,
} from "@cdpkit/core";
import type { Client } from "openapi-fetch";
import { checkEnvelope, errorForResponse } from "./envelope.js";
import { fillEventLogIds } from "./event-ids.js";
import type { paths } from "./generated/openapi.js";
import { operations, securitySchemes, servers, type ClientFilledParameters } from "./generated/operations.js";

export const DFINERY_BASE_URL: string = servers[0];
const VENDOR = "dfinery";

/** Rate-limit scopes named in the spec's `x-cdpkit-rate-limit` (one bucket per scope and service). */
export type DfineryRateLimitScope = "events" | "identity" | "profile" | "export";

export type DfineryRateLimitOptions = VendorRateLimitOptions<DfineryRateLimitScope>;

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

/** The spec's paths with `service_id` optional: the client fills it in. */
export type DfineryPaths = ClientFilledPaths<paths, ClientFilledParameters>;
export type DfineryApi = Client<DfineryPaths, "application/json">;

export interface DfineryContext {
  readonly api: DfineryApi;
  readonly options: Readonly<DfineryClientOptions>;
  readonly redactor: Redactor;
  readonly clock: Clock | undefined;
}

function validateOptions(options: DfineryClientOptions): void {
  const issues: InvalidInputIssue[] = [];
  if (typeof options?.serviceId !== "string" || options.serviceId.trim() === "") {
    issues.push({ path: "serviceId", message: "must be a non-empty string (your DFINERY service id)" });
  }
  for (const key of ["importToken", "exportToken"] as const) {
    const issue = options?.[key] === undefined ? undefined : credentialIssue(key, options[key]);
    if (issue) issues.push(issue);
  }
  if (options && options.importToken === undefined && options.exportToken === undefined) {
    issues.push({ path: "importToken", message: "give importToken, exportToken or both" });
  }
  assertClientOptions(VENDOR, "createDfineryClient", options, issues);
}

/**
 * The typed openapi-fetch client for every operation of the spec (`api.POST("/api/v1/...", { body })`),
 * plus the context the helpers use: the right token per operation, `service_id` filled in, the
 * envelope checked, event ids filled into raw event posts.
 */
export function createDfineryContext(options: DfineryClientOptions): DfineryContext {
  validateOptions(options);
  const client: VendorClient<DfineryApi> = createVendorClient<paths, DfineryApi>(
    { vendor: VENDOR, factory: "createDfineryClient", operations, securitySchemes },
    options,
    {
      baseUrl: options.baseUrl ?? DFINERY_BASE_URL,
      credentials: { importToken: options.importToken, exportToken: options.exportToken },
      optionFor: (scheme) => `the ${scheme} option`,
      secrets: () => [options.importToken, options.exportToken],
      fills: { serviceId: options.serviceId },
      // DFINERY's documented per-service limits; events carry an event_log_id DFINERY deduplicates on.
      rateLimit: options.rateLimit === false ? false : { ...options.rateLimit, keyPrefix: `${VENDOR}:${options.serviceId}` },
      errorFor: (result, method) => errorForResponse(result.response, result.error, method, client.redactor),
      // Every event gets an event_log_id (in a copy), so a retried POST cannot be stored twice.
      prepare: (init, method, path) =>
        method === "POST" && path === "/api/v1/events" ? { ...init, body: fillEventLogIds(init?.body) } : init,
      // DFINERY answers some failures with HTTP 200 and "status": false: never data. Exports answer CSV.
      finish: async (call, method, _path, op) => {
        const result: OperationResult = await call();
        if (result.error === undefined && result.response.ok && op?.successBody !== "stream") {
          checkEnvelope(result.data, result.response, method, client.redactor);
        }
        return result;
      },
    },
  );
  return { api: client.api, options, redactor: client.redactor, clock: options.clock };
}
