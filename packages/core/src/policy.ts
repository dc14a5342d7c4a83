import type { Clock } from "./clock.js";
import { InvalidInputError, isNetworkError, toNetworkError, type InvalidInputIssue } from "./errors.js";
import { composeFetch, type FetchImplementation, type FetchLayer, type Transport } from "./fetch.js";
import { redactingLogger, type Logger } from "./logger.js";
import { withRateLimit, type RateLimitOptions } from "./rate-limit.js";
import { Redactor } from "./redact.js";
import { defaultIsSafeToRetry, withRetry, type RetryOptions } from "./retry.js";
import { attemptDeadline, totalDeadline } from "./timeout.js";
import { withRedirects } from "./redirect.js";
import type { OnRateLimit } from "./rate-limit.js";
import { createCall, type Call } from "./call.js";
import { createNodeTransport, nodeTransportAvailable, type NodeDispatcher } from "#node-transport";

/**
 * What carries the requests under the policies. `"auto"` (default): on Node, the Node transport
 * (undici's dispatcher, no `fetch`), unless a `fetch` is given; `fetch` everywhere else (Bun, Deno,
 * browsers, edge). `"fetch"`: always `fetch` (the `fetch` option, else `globalThis.fetch`). `"node"`:
 * the Node transport (an error off Node). `{ dispatcher }`: the Node transport over a caller's undici
 * 7 Dispatcher (a ProxyAgent, a Pool with its own limits, a MockAgent).
 */
export type TransportOption = "auto" | "fetch" | "node" | { readonly dispatcher: NodeDispatcher };

export interface PolicyOptions {
  /** Named in errors and logs. */
  vendor: string;
  /**
   * Base fetch, called as `fetch(url, { method, headers, body, signal, redirect: "manual" })`, so any
   * implementation works (an undici fetch with its own Agent, a browser's). Giving one selects the fetch
   * transport. Default globalThis.fetch, looked up per call, where fetch is the transport.
   */
  fetch?: FetchImplementation | typeof globalThis.fetch;
  /** Default `"auto"`: the Node transport on Node unless `fetch` is given, else fetch (see TransportOption). */
  transport?: TransportOption;
  /** Default: withRetry defaults. `false` disables. */
  retry?: RetryOptions | false;
  /** Default: no client-side limit. */
  rateLimit?: RateLimitOptions | false;
  /** Per attempt, headers and body. Default 30_000; 0 disables. */
  timeoutMs?: number;
  /** All attempts and waits. Default 120_000; 0 disables. */
  totalTimeoutMs?: number;
  /** Shared by retry and rate limit unless they name their own. */
  clock?: Clock;
  /** Every line passes through the redactor. */
  logger?: Logger;
  redactor?: Redactor;
  /** Cap on a buffered response body; streamed bodies are exempt. Default 32 MiB. */
  maxResponseBytes?: number;
  /** Redirect hops followed (where safe, see withRedirects). Default 5. */
  maxRedirects?: number;
  /** The operation a request is for, when the call does not carry it (a request built by hand). */
  operationFor?: (request: Request) => PolicyOperationFacts | undefined;
  /** Decides every wait the budget imposes, client-side or after a 429 (see OnRateLimit). */
  onRateLimit?: OnRateLimit;
}

/** The facts of an operation the policies read (a subset of OperationMeta). */
export interface PolicyOperationFacts {
  /** `stream`: the success answer is a stream (a CSV export): never buffered, never size-capped. */
  readonly successBody?: "json" | "stream";
  /** A 301/302/303 answer to this non-GET request points at its result (e.g. `curl -L` exports). */
  readonly followsAsGet?: boolean;
}

/**
 * The one call a vendor package makes. Order, outermost first:
 * total deadline -> retry -> rate limit -> attempt timeout + body guard -> redirects -> network
 * errors -> base fetch.
 * The total deadline is a mark, not a timer: the attempt timeout fires at whichever deadline
 * comes first, and retry and rate limit give up rather than wait past it.
 * Rate limiting sits inside retry so every re-send spends a token, and outside the request
 * timeout so waiting for a token never eats into an attempt's deadline.
 */
export function createPolicyFetch(options: PolicyOptions): Transport {
  const { vendor } = options;
  const redactor = options.redactor ?? new Redactor();
  const log = redactingLogger(options.logger, redactor);
  const base = baseTransport(options);

  const layers: FetchLayer[] = [];
  const totalTimeoutMs = options.totalTimeoutMs ?? 120_000;
  if (totalTimeoutMs > 0) layers.push(totalDeadline(totalTimeoutMs));

  const facts = (request: Request, call: Call): PolicyOperationFacts | undefined => call.operation ?? options.operationFor?.(request);
  const retryOptions = options.retry === false ? undefined : (options.retry ?? {});
  const isSafeToRepeat = retryOptions?.isSafeToRetry ?? defaultIsSafeToRetry;
  if (retryOptions) {
    const retry = retryOptions;
    const userOnRetry = retry.onRetry;
    layers.push(
      withRetry({
        vendor,
        redactor,
        ...(options.onRateLimit ? { onRateLimit: options.onRateLimit } : {}),
        bufferResponse: (request, call) => facts(request, call)?.successBody !== "stream",
        ...retry,
        ...((retry.clock ?? options.clock) ? { clock: retry.clock ?? options.clock } : {}),
        onRetry: (info) => {
          log.warn(`${vendor}: retrying ${info.method} ${info.url} in ${Math.round(info.delayMs)} ms (${info.reason})`, {
            ...info,
          });
          userOnRetry?.(info);
        },
      }),
    );
  }

  if (options.rateLimit) {
    const rateLimit = options.rateLimit;
    const userOnWait = rateLimit.onWait;
    layers.push(
      withRateLimit({
        vendor,
        redactor,
        ...(options.onRateLimit ? { onRateLimit: options.onRateLimit } : {}),
        ...rateLimit,
        ...((rateLimit.clock ?? options.clock) ? { clock: rateLimit.clock ?? options.clock } : {}),
        onWait: (info) => {
          log.debug(`${vendor}: rate limit "${info.key}", waiting ${Math.round(info.waitMs)} ms`, { ...info });
          userOnWait?.(info);
        },
      }),
    );
  }

  const timeoutMs = options.timeoutMs ?? 30_000;
  // One timer per attempt, for the earlier of the attempt's and the total deadline; the body guard
  // (typed read failures, size caps) on every response, deadline or not.
  layers.push(
    attemptDeadline(timeoutMs, {
      vendor,
      redactor,
      ...(options.maxResponseBytes !== undefined ? { maxResponseBytes: options.maxResponseBytes } : {}),
    }),
  );
  layers.push(
    withRedirects({
      vendor,
      redactor,
      isSafeToRepeat: (request, call) => call.safeToRepeat ?? isSafeToRepeat(request),
      followsAsGet: (request, call) => facts(request, call)?.followsAsGet === true,
      ...(options.maxRedirects !== undefined ? { maxRedirects: options.maxRedirects } : {}),
    }),
  );
  layers.push(withNetworkErrors({ vendor, redactor }));
  return composeFetch(base, ...layers);
}

/** The transport under the policies, as `transport` and `fetch` select it (see TransportOption). */
function baseTransport(options: PolicyOptions): Transport {
  const issue = transportIssue(options);
  if (issue) throw new InvalidInputError({ vendor: options.vendor, message: `${issue.path} ${issue.message}`, issues: [issue] });
  const transport = options.transport ?? "auto";
  if (transport === "fetch" || (transport === "auto" && (options.fetch !== undefined || !nodeTransportAvailable))) {
    return fetchTransport(options.fetch as FetchImplementation | undefined);
  }
  return createNodeTransport(typeof transport === "object" ? transport.dispatcher : undefined);
}

/** What is wrong with the `transport` / `fetch` pair, if anything (checked before a client exists). */
export function transportIssue(options: { transport?: unknown; fetch?: unknown }): InvalidInputIssue | undefined {
  const { transport } = options;
  if (transport === undefined || transport === "auto" || transport === "fetch") return undefined;
  const custom = typeof transport === "object" && transport !== null;
  if (
    transport !== "node" &&
    !(custom && typeof (transport as { dispatcher?: { dispatch?: unknown } }).dispatcher?.dispatch === "function")
  ) {
    return { path: "transport", message: 'must be "auto", "fetch", "node" or { dispatcher } (an undici Dispatcher)' };
  }
  if (!nodeTransportAvailable) return { path: "transport", message: 'the Node transport is only available on Node.js; use "fetch"' };
  if (options.fetch !== undefined)
    return { path: "transport", message: 'the Node transport does not use `fetch`: drop one, or set transport "fetch"' };
  return undefined;
}

/**
 * The fetch transport: any fetch, the global one or a caller's (an undici fetch with its own Agent, a
 * browser's), called with the URL and a plain init, since another implementation may not accept this
 * runtime's Request objects. The replayable body goes as bytes, so the Request's own body stream stays
 * unread and the same object can be sent again; redirects are left to withRedirects.
 */
function fetchTransport(userFetch: FetchImplementation | undefined): Transport {
  return (request, call = createCall(request)) => {
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      // The runtime's own fetch takes its Headers as they are; another implementation (npm undici's
      // fetch) would walk a Headers object of a foreign class entry by entry: a plain record is cheaper.
      headers: userFetch === undefined ? request.headers : headerRecord(request.headers),
      signal: call.signal,
      redirect: "manual",
    };
    if (call.body !== undefined) init.body = call.body;
    else if (request.body !== null) {
      init.body = request.body;
      init.duplex = "half";
    }
    return (userFetch ?? globalThis.fetch)(request.url, init);
  };
}

/** `headers` as a plain record (a repeated header is already one comma-joined value in a Headers). */
function headerRecord(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => (record[name] = value));
  return record;
}

/**
 * Turns transport failures of the base fetch into NetworkError (cause kept) so callers see
 * one error type whatever fetch implementation runs underneath. Aborts pass through as is.
 */
export function withNetworkErrors(context: { vendor?: string; redactor?: Redactor } = {}): FetchLayer {
  return (next) =>
    async (request, call = createCall(request)) => {
      try {
        return await next(request, call);
      } catch (err) {
        if (call.signal.aborted || !isNetworkError(err)) throw err;
        throw toNetworkError(err, { ...context, request });
      }
    };
}

/**
 * Options every vendor client takes, with the same meaning and defaults everywhere. A vendor's own
 * options extend this; `sharedPolicyOptions` hands the transport part to createPolicyFetch.
 */
export interface ClientBaseOptions {
  /**
   * A fetch for the policies to wrap (an undici fetch with its own Agent, a browser's): giving one
   * selects the fetch transport. Where fetch is the transport, default `globalThis.fetch`.
   */
  fetch?: FetchImplementation | typeof globalThis.fetch;
  /** Default `"auto"`: on Node, undici's dispatcher without fetch (unless `fetch` is given); elsewhere fetch. */
  transport?: TransportOption;
  /** Retries of what is safe to repeat (see the package README). `false` turns them off. */
  retry?: RetryOptions | false;
  /** Per attempt, covering headers and body. Default 30 s; 0 disables. */
  timeoutMs?: number;
  /** Across all attempts and waits. Default 120 s; 0 disables. */
  totalTimeoutMs?: number;
  /** Cap on a buffered response body (streamed exports are exempt). Default 32 MiB. */
  maxResponseBytes?: number;
  /** Redirect hops followed where safe (never a credential to another origin). Default 5. */
  maxRedirects?: number;
  /** Decides every wait the rate limit imposes: `true` wait, `false` fail now, `undefined` default rule. */
  onRateLimit?: OnRateLimit;
  /** Every line is redacted before it reaches the logger. */
  logger?: Logger;
  /** Injectable clock for retry and rate-limit waits (tests). */
  clock?: Clock;
}

type SharedPolicyOptions = Pick<
  PolicyOptions,
  "fetch" | "transport" | "timeoutMs" | "totalTimeoutMs" | "maxResponseBytes" | "maxRedirects" | "onRateLimit" | "logger" | "clock"
>;

/** The part of a client's options that goes to createPolicyFetch unchanged. */
export function sharedPolicyOptions(options: ClientBaseOptions): SharedPolicyOptions {
  const out: SharedPolicyOptions = {};
  for (const key of [
    "fetch",
    "transport",
    "timeoutMs",
    "totalTimeoutMs",
    "maxResponseBytes",
    "maxRedirects",
    "onRateLimit",
    "logger",
    "clock",
  ] as const) {
    if (options[key] !== undefined) (out as Record<string, unknown>)[key] = options[key];
  }
  return out;
}
