/**
 * Per-operation facts that codegen derives from a spec (`src/generated/operations.ts` in each vendor
 * package) and the runtime needs: which credentials an operation takes, whether it is safe to repeat,
 * which vendor rate-limit scope it counts against.
 */
import type { Clock } from "./clock.js";
import type { RateLimitRule } from "./rate-limit.js";
import type { RetryOptions } from "./retry.js";
import type { Pagination } from "./paginate.js";

export interface OperationRateLimit {
  readonly scope: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly maxConcurrent?: number;
  /** The limit when the client authenticates (Kameleoon: 5/s without a token, 50/s with one). */
  readonly authenticated?: { readonly limit: number; readonly intervalMs: number };
}

export interface OperationMeta {
  readonly operationId?: string;
  readonly method: string;
  readonly path: string;
  /** Alternatives (OR) of scheme-name lists (AND), as in OpenAPI `security`. */
  readonly security: readonly (readonly string[])[];
  readonly idempotent: boolean;
  readonly rateLimit?: OperationRateLimit;
  readonly evidence?: string;
  /** Required headers whose value the spec fixes (a single-value enum), e.g. `Api-Version: 4.4`:
   * the operation fetch sets them when the caller did not. */
  readonly headers?: Readonly<Record<string, string>>;
  /** What a 2xx carries: `json` (then an empty or unparsable body is malformed), `stream` (a
   * non-JSON answer such as a CSV export: never buffered or size-capped). Absent: no body documented. */
  readonly successBody?: "json" | "stream";
  /** The outer JSON type of every documented 2xx body, when they agree: an answer of another type
   * (`[]` where an object is documented) is malformed. */
  readonly successType?: "object" | "array";
  /** The JSON request body's outer type and required top-level fields, checked before sending. */
  readonly requestBody?: { readonly type: "object" | "array"; readonly required?: readonly string[] };
  /** A 301/302/303 answer points at the result, fetched with GET (`x-cdpkit-follows-redirect-as-get`). */
  readonly followsAsGet?: boolean;
  /** How the operation pages (`x-cdpkit-pagination`), for `paginate`. */
  readonly pagination?: Pagination;
  /** Parameters the client fills from its options (`x-cdpkit-client-fills`), e.g. DFINERY `service_id`. */
  readonly fills?: readonly { readonly in: string; readonly name: string; readonly option: string; readonly required?: boolean }[];
  /** The operation takes many items per request (`x-cdpkit-batch`), for `sendBatch`. */
  readonly batch?: BatchFacts;
}

/** A batch operation's documented shape and limits. */
export interface BatchFacts {
  /** The body field holding the items. */
  readonly items: string;
  readonly maxItems?: number;
  readonly maxBytes?: number;
  /** Dot path of the per-item results in the answer, in the order of the items sent. */
  readonly results?: string;
}

export interface OperationIndex<O extends OperationMeta> {
  /** The operation a request targets, matched by method and path below the base URL. */
  find(method: string, url: string | URL): O | undefined;
  /** The operation of a request built outside the typed client (the call carries it otherwise). */
  findRequest(request: Request): O | undefined;
}

const TEMPLATE = /\{[^}/]+\}/g;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function createOperationIndex<O extends OperationMeta>(operations: readonly O[], baseUrl: string): OperationIndex<O> {
  // The base URL may carry a path prefix (a proxy, an on-premise mount): strip it before matching.
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, "");
  const exact = new Map<string, O>();
  const templated: { method: string; pattern: RegExp; op: O }[] = [];
  for (const op of operations) {
    const method = op.method.toUpperCase();
    if (TEMPLATE.test(op.path)) {
      TEMPLATE.lastIndex = 0;
      const source = op.path.split(TEMPLATE).map(escapeRegExp).join("[^/]+");
      templated.push({ method, pattern: new RegExp(`^${source}$`), op });
    } else {
      exact.set(`${method} ${op.path}`, op);
    }
  }

  const find = (method: string, url: string | URL): O | undefined => {
    let path = (typeof url === "string" ? new URL(url) : url).pathname;
    if (basePath && path.startsWith(basePath)) path = path.slice(basePath.length) || "/";
    const upper = method.toUpperCase();
    const hit = exact.get(`${upper} ${path}`);
    if (hit) return hit;
    for (const entry of templated) {
      if (entry.method === upper && entry.pattern.test(path)) return entry.op;
    }
    return undefined;
  };
  return {
    find,
    findRequest: (request) => find(request.method, request.url),
  };
}

/**
 * The rate-limit rules a spec documents (`x-cdpkit-rate-limit`), one per scope, with the caller's
 * overrides on top (e.g. a quota the vendor raised for this account). A scope given twice with
 * different numbers keeps the stricter limit, so no operation is sent faster than its docs allow.
 */
export function rateLimitRulesFrom(
  operations: readonly OperationMeta[],
  overrides: Readonly<Record<string, RateLimitRule | undefined>> = {},
  options: { authenticated?: boolean } = {},
): Record<string, RateLimitRule> {
  const rules: Record<string, RateLimitRule> = {};
  for (const op of operations) {
    if (!op.rateLimit) continue;
    const { scope, maxConcurrent } = op.rateLimit;
    const { limit, intervalMs } = (options.authenticated && op.rateLimit.authenticated) || op.rateLimit;
    const rule: RateLimitRule = maxConcurrent === undefined ? { limit, intervalMs } : { limit, intervalMs, maxConcurrent };
    const known = rules[scope];
    if (!known || rule.limit / rule.intervalMs < known.limit / known.intervalMs) rules[scope] = rule;
  }
  for (const [scope, rule] of Object.entries(overrides)) if (rule) rules[scope] = rule;
  return rules;
}

/**
 * The retry policy every vendor client uses: repeat only what the spec marks idempotent, with the
 * caller's options on top and the client's clock unless the caller gave the retry its own. `false`
 * stays off. A call made through the typed client says itself whether it is safe (`Call.safeToRepeat`);
 * this rule covers a request built by hand (an OAuth token request), found by its URL.
 */
export function idempotentRetry<O extends OperationMeta>(
  index: OperationIndex<O>,
  retry: RetryOptions | false | undefined,
  clock?: Clock,
): RetryOptions | false {
  if (retry === false) return false;
  const isSafeToRetry = (request: Request): boolean => index.findRequest(request)?.idempotent ?? false;
  return { isSafeToRetry, ...retry, clock: retry?.clock ?? clock } as RetryOptions;
}
