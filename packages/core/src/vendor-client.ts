import createClient, { type Client } from "openapi-fetch";
import type { Credential, SecuritySchemeMeta } from "./auth.js";
import { ReplayableRequest } from "./call.js";
import { httpErrorForResult, InvalidInputError, type CdpkitError, type InvalidInputIssue } from "./errors.js";
import type { FetchLike, Transport } from "./fetch.js";
import {
  bindOperations,
  createOperationFetch,
  type BindOperationsOptions,
  type OperationFetch,
  type OperationFetchOptions,
  type OperationInit,
  type OperationResult,
} from "./operation-client.js";
import { createOperationIndex, idempotentRetry, rateLimitRulesFrom, type OperationIndex, type OperationMeta } from "./operations.js";
import { createPolicyFetch, sharedPolicyOptions, transportIssue, type ClientBaseOptions } from "./policy.js";
import type { RateLimitRule, RateLimitStore } from "./rate-limit.js";
import { Redactor } from "./redact.js";

/**
 * The one vendor-client factory. A vendor declares what is its own — its generated operations and
 * security schemes, its credentials, the values it fills into parameters, its envelope check — and
 * this assembles the rest the same way for every vendor: redactor -> operation index -> policy fetch
 * (timeouts, retries of what the spec marks idempotent, rate limits from `x-cdpkit-rate-limit`,
 * redirects, body caps) -> operation fetch (auth per operation, 401 replay) -> openapi-fetch client
 * -> bound verbs (input checks, success checks, paginate, sendBatch).
 */

/** What codegen wrote for a vendor, plus its names. */
export interface VendorDefinition<O extends OperationMeta = OperationMeta> {
  /** Named in errors and logs, e.g. `dfinery`. */
  readonly vendor: string;
  /** The factory users call, named in errors, e.g. `createDfineryClient`. */
  readonly factory: string;
  readonly operations: readonly O[];
  readonly securitySchemes: Readonly<Record<string, SecuritySchemeMeta>>;
}

/** Client-side limits a vendor client takes: the spec's documented rules, overridable per scope. */
export interface VendorRateLimitOptions<Scope extends string = string> {
  /** Overrides of the documented defaults (e.g. a quota the vendor raised for this account). */
  readonly rules?: Partial<Record<Scope, RateLimitRule>>;
  /** Share one budget between processes (e.g. a Redis-backed store). Default: in memory. */
  readonly store?: RateLimitStore;
  /** Waiting longer than this for a token throws RateLimitError instead. Default 60 s. */
  readonly maxWaitMs?: number;
}

/** Everything a vendor client decides for itself; the factory does the rest. */
export interface VendorClientSetup {
  /** Where requests go (the vendor's default server, a region, or the caller's `baseUrl`). */
  readonly baseUrl: string;
  /**
   * Credential per security-scheme name: a value, a function, or a TokenSource (login/OAuth). As a
   * function, it is given the policy fetch and the redactor, for a token flow that needs them.
   */
  readonly credentials: Credentials | ((context: { readonly send: FetchLike; readonly redactor: Redactor }) => Credentials);
  /** The client option a user sets for a scheme, named when a credential is missing. */
  readonly optionFor?: (scheme: string) => string;
  /** Every secret the client holds, re-read on each redaction (tokens issued later included). */
  readonly secrets: () => Iterable<string | undefined>;
  /** Values for the parameters the spec marks `x-cdpkit-client-fills`, by option name. */
  readonly fills?: Readonly<Record<string, string | undefined>>;
  /**
   * Limits: the operations' `x-cdpkit-rate-limit` rules (one bucket per scope and `keyPrefix`), with
   * the caller's overrides. `scopeFor` replaces the spec's scope (e.g. per HTTP method). `false`: none.
   */
  readonly rateLimit?:
    | (VendorRateLimitOptions & {
        readonly keyPrefix: string;
        /** Use the spec's `authenticated` limits (the client sends a token). */
        readonly authenticated?: boolean;
      })
    | false;
  /** Headers set on every request, e.g. a User-Agent. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly onUnauthorized?: OperationFetchOptions<OperationMeta>["onUnauthorized"];
  /** The vendor's own per-call defaults, after the fills (must not modify `init`). */
  readonly prepare?: BindOperationsOptions["prepare"];
  /** The vendor's envelope check around each call; `throwOnError` is applied after it. */
  readonly finish?: BindOperationsOptions["finish"];
  /** The vendor's typed error for an error answer (field errors, envelope codes). Default: by status. */
  readonly errorFor?: (result: OperationResult, method: string, path: string) => CdpkitError;
  readonly itemRejection?: BindOperationsOptions["itemRejection"];
  readonly clientFilledBodyFields?: readonly string[];
}

type Credentials = Readonly<Record<string, Credential | undefined>>;

/** The assembled client and what the vendor's helpers need from it. */
export interface VendorClient<Api, O extends OperationMeta = OperationMeta, Paths extends {} = {}> {
  readonly api: Api;
  /**
   * The unbound openapi-fetch client over the same transport, for a vendor helper that must hand one
   * request its own fetch (e.g. to mark it safe to repeat). Callers never see it.
   */
  readonly raw: Client<Paths>;
  readonly redactor: Redactor;
  readonly index: OperationIndex<O>;
  readonly transport: OperationFetch<O>;
  /** The policy fetch every request goes through (for requests outside the spec, e.g. an OAuth token URL). */
  readonly send: Transport;
  /** The typed error for an error answer, as `throwOnError` throws it (the vendor's, else by status). */
  readonly errorFor: (result: OperationResult, method: string, path: string) => CdpkitError;
  /**
   * The same client with other credentials (same policies and budget): e.g. a login that must carry
   * the user's token rather than the workspace token the main client is waiting for.
   */
  withCredentials(credentials: Readonly<Record<string, Credential | undefined>>): Api;
}

/** The options every vendor validates the same way: names each bad one, never echoes a value. */
export function baseOptionIssues(options: ClientBaseOptions & { baseUrl?: unknown; throwOnError?: unknown }): InvalidInputIssue[] {
  const issues: InvalidInputIssue[] = [];
  if (options.baseUrl !== undefined && (typeof options.baseUrl !== "string" || !URL.canParse(options.baseUrl))) {
    issues.push({ path: "baseUrl", message: "must be an absolute URL" });
  }
  for (const key of ["timeoutMs", "totalTimeoutMs", "maxResponseBytes", "maxRedirects"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "number" || !Number.isFinite(value) || value < 0)) {
      issues.push({ path: key, message: "must be a number >= 0" });
    }
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") issues.push({ path: "fetch", message: "must be a function" });
  const transport = transportIssue(options);
  if (transport) issues.push(transport);
  if (options.throwOnError !== undefined && typeof options.throwOnError !== "boolean")
    issues.push({ path: "throwOnError", message: "must be a boolean" });
  return issues;
}

/** Throws one InvalidInputError naming every issue, as `<factory>: a ...; b ...`. */
/**
 * Checks a vendor client's options: one InvalidInputError naming every bad one, the vendor's own first (what a
 * caller sets first), then those every client shares.
 */
export function assertClientOptions(
  vendor: string,
  factory: string,
  options: (ClientBaseOptions & { baseUrl?: unknown; throwOnError?: unknown }) | undefined,
  ownIssues: readonly InvalidInputIssue[],
): void {
  assertOptions(vendor, factory, [...ownIssues, ...baseOptionIssues(options ?? {})]);
}

/** Throws one InvalidInputError listing `issues`, if there are any. */
export function assertOptions(vendor: string, factory: string, issues: readonly InvalidInputIssue[]): void {
  if (issues.length === 0) return;
  throw new InvalidInputError({
    vendor,
    message: `${factory}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues: [...issues],
  });
}

export function createVendorClient<Paths extends {}, Api = Client<Paths, "application/json">, O extends OperationMeta = OperationMeta>(
  definition: VendorDefinition<O>,
  options: ClientBaseOptions & { throwOnError?: boolean },
  setup: VendorClientSetup,
): VendorClient<Api, O, Paths> {
  const { vendor, factory, operations, securitySchemes } = definition;
  const baseUrl = setup.baseUrl.replace(/\/+$/, "");
  const index = createOperationIndex(operations, baseUrl);
  const redactor = new Redactor({ secrets: () => [...setup.secrets()].filter((s): s is string => typeof s === "string" && s !== "") });
  const rateLimit = setup.rateLimit;
  const policyFetch = createPolicyFetch({
    vendor,
    redactor,
    ...sharedPolicyOptions(options),
    operationFor: (request) => index.findRequest(request),
    retry: idempotentRetry(index, options.retry, options.clock),
    rateLimit:
      rateLimit === false || rateLimit === undefined
        ? false
        : {
            rules: rateLimitRulesFrom(operations, rateLimit.rules, { authenticated: rateLimit.authenticated ?? false }),
            // Only operations of the spec count (a token request to another API does not).
            scopeFor: (request) => index.findRequest(request)?.rateLimit?.scope,
            keyPrefix: rateLimit.keyPrefix,
            ...(rateLimit.store ? { store: rateLimit.store } : {}),
            ...(rateLimit.maxWaitMs !== undefined ? { maxWaitMs: rateLimit.maxWaitMs } : {}),
            ...(options.clock ? { clock: options.clock } : {}),
          },
  });
  const headers = Object.entries(setup.headers ?? {});
  const send: Transport =
    headers.length === 0
      ? policyFetch
      : (request, call) => {
          for (const [name, value] of headers) request.headers.set(name, value);
          return policyFetch(request, call);
        };

  const fills = setup.fills ?? {};
  const fill = (init: OperationInit | undefined, op: OperationMeta | undefined): OperationInit | undefined => {
    const wanted = op?.fills;
    if (!wanted) return init;
    const params = { ...((init?.params ?? {}) as Record<string, Record<string, unknown> | undefined>) };
    const missing: InvalidInputIssue[] = [];
    for (const { in: where, name, option, required } of wanted) {
      if (params[where]?.[name] !== undefined) continue;
      const value = fills[option];
      if (value !== undefined) params[where] = { [name]: value, ...params[where] };
      else if (required)
        missing.push({ path: `params.${where}.${name}`, message: `is required (pass it here or as \`${option}\` to ${factory})` });
    }
    if (missing.length > 0)
      throw new InvalidInputError({
        vendor,
        message: `${op.method} ${op.path}: ${missing.map((i) => `${i.path} ${i.message}`).join("; ")}`,
        issues: missing,
      });
    return { ...init, params };
  };
  const throwOnError = options.throwOnError ?? false;
  const errorFor =
    setup.errorFor ?? ((result: OperationResult, method: string) => httpErrorForResult(result, { vendor, method, redactor }));

  const build = (
    credentials: Readonly<Record<string, Credential | undefined>>,
  ): { api: Api; transport: OperationFetch<O>; raw: Client<Paths> } => {
    const transport = createOperationFetch({
      index,
      operations,
      baseUrl,
      schemes: securitySchemes,
      credentials,
      fetch: send,
      ...(setup.optionFor ? { optionFor: setup.optionFor } : {}),
      ...(setup.onUnauthorized ? { onUnauthorized: setup.onUnauthorized } : {}),
    });
    // Every option given: openapi-fetch's defaults read the globals `fetch` and `Request`, which on Node
    // load the runtime's bundled undici at client creation. A call that gets no per-operation fetch
    // (none reaches the network: operations outside the spec are refused) still goes through the policies.
    const base = createClient<Paths>({
      baseUrl,
      Request: ReplayableRequest,
      fetch: transport.fetch as (request: Request) => Promise<Response>,
    });
    const api = bindOperations(base, {
      vendor,
      factory,
      fetchFor: transport.fetchFor,
      operationFor: transport.operationFor,
      // The policy fetch reads only the request's fields (the fetch transport too: it calls fetch(url, init)).
      lightRequests: true,
      redactor,
      errorFor,
      ...(setup.itemRejection ? { itemRejection: setup.itemRejection } : {}),
      ...(setup.clientFilledBodyFields ? { clientFilledBodyFields: setup.clientFilledBodyFields } : {}),
      prepare: (init, method, path, op) => {
        const filled = fill(init, op);
        return setup.prepare ? (setup.prepare(filled, method, path, op) ?? filled) : filled;
      },
      finish: async (call, method, path, op) => {
        const result = await (setup.finish ? setup.finish(call, method, path, op) : call());
        if (throwOnError && (result.error !== undefined || !result.response.ok)) throw errorFor(result, method, path);
        return result;
      },
    }) as unknown as Api;
    return { api, transport, raw: base };
  };
  const main = build(typeof setup.credentials === "function" ? setup.credentials({ send, redactor }) : setup.credentials);
  return {
    api: main.api,
    raw: main.raw,
    redactor,
    index,
    transport: main.transport,
    send,
    errorFor,
    withCredentials: (credentials) => build(credentials).api,
  };
}

/** What `client.auth.token()` answers when the client was created without a login or token flow. */
export function noAuthConfigured(vendor: string, factory: string): Promise<never> {
  return Promise.reject(
    new InvalidInputError({ vendor, message: `${factory}: no auth configured`, issues: [{ path: "auth", message: "missing" }] }),
  );
}

/**
 * The spec's paths with the parameters the client fills in made optional (`ClientFilledParameters`
 * from codegen: DFINERY `service_id`, Kameleoon `siteCode`, Synerise `Api-Version`). A parameter
 * group becomes optional only when nothing required is left in it.
 */
export type ClientFilledPaths<Paths, Filled extends { readonly query: string; readonly header: string }> = {
  [P in keyof Paths]: {
    [M in keyof Paths[P]]: Paths[P][M] extends { parameters: infer Params }
      ? Omit<Paths[P][M], "parameters"> & { parameters: Relax<Relax<Params, "query", Filled["query"]>, "header", Filled["header"]> }
      : Paths[P][M];
  };
};

type Relax<Params, Where extends string, Names extends string> = Where extends keyof Params
  ? [Extract<keyof NonNullable<Params[Where]>, Names>] extends [never]
    ? Params
    : Omit<Params, Where> & Group<NonNullable<Params[Where]>, Where, Extract<keyof NonNullable<Params[Where]>, Names>>
  : Params;

type Group<Values, Where extends string, Filled extends keyof Values> =
  {} extends Omit<Values, Filled>
    ? { [W in Where]?: Omit<Values, Filled> & Partial<Pick<Values, Filled>> }
    : { [W in Where]: Omit<Values, Filled> & Partial<Pick<Values, Filled>> };
