import { systemClock, type Clock } from "./clock.js";
import { createCall, type Call } from "./call.js";
import { timeoutErrorFor } from "./timeout.js";
import { InvalidInputError, RateLimitError } from "./errors.js";
import type { FetchLayer } from "./fetch.js";
import { parseRateLimitHeaders, parseRetryAfter } from "./headers.js";
import { defaultRedactor, type Redactor } from "./redact.js";
import { Semaphore } from "./semaphore.js";

export interface RateLimitRule {
  /** Requests allowed per interval (also the burst size). */
  limit: number;
  intervalMs: number;
  /** Requests in flight at once for this scope: per process, or across processes with a store that leases slots. */
  maxConcurrent?: number;
}

export type TakeResult = { granted: true } | { granted: false; waitMs: number };

/** A shared concurrency slot: `release` hands it back (it also comes back by itself if its holder dies). */
export type SlotResult = { granted: true; release: () => Promise<void> } | { granted: false; waitMs: number };

/**
 * Where the budget lives. Implement it over Redis (or similar) so several processes share one
 * vendor budget; `now` is passed in so implementations stay clock-agnostic and testable.
 */
export interface RateLimitStore {
  take(key: string, rule: RateLimitRule, now: number): Promise<TakeResult>;
  /** Server headers feed the bucket: remaining 0 + resetAt blocks the key until resetAt;
   * a remaining below the local count of free tokens lowers it. */
  observe(key: string, info: ObservedLimits, now: number): Promise<void>;
  /**
   * Optional: concurrency slots shared by every process using the store, as leases. Without it,
   * `maxConcurrent` holds per process only.
   */
  acquireSlot?(key: string, rule: RateLimitRule & { maxConcurrent: number }, now: number): Promise<SlotResult>;
}

/** What a response said about the budget. */
export interface ObservedLimits {
  /** Requests left in the server's current window (from remaining/reset headers). */
  remaining?: number;
  /** Epoch ms at which that window ends. */
  resetAt?: number;
  /**
   * Set on a 429: the epoch ms before which the server will refuse (its Retry-After, else the 429's
   * own reset). It replaces whatever window earlier responses described — those were evidently
   * wrong — and governs the block alone: a window announced by earlier 200s (e.g. reset in an
   * hour) never stretches a short 429 into a long lock-out.
   */
  refusedUntil?: number;
}

interface Bucket {
  /** Unknown until the first take (a server block can arrive first). */
  rule: RateLimitRule | undefined;
  /** When each used token comes back, ascending. */
  returns: number[];
  head: number;
  /** The server's own count for its current window, decremented locally on every take. */
  server: { remaining: number; resetAt: number } | undefined;
  /** A 429 said: nothing before this epoch ms. */
  refusedUntil: number;
}

/**
 * In-process store. Two budgets are checked on every take:
 *  - the local rule, as a sliding-window token bucket: each token taken comes back exactly
 *    one interval later instead of dripping back continuously. Why: a continuous-refill
 *    bucket of capacity N admits up to ~2N requests inside one server window (a full burst,
 *    then the refill), which a fixed-window server answers with 429s. Returning each token one
 *    interval after use guarantees no window of `intervalMs` ever carries more than `limit`;
 *  - the server's word (remaining + reset), when it gave one: until its reset we send at most
 *    `remaining` more, whatever the local rule allows.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly #buckets = new Map<string, Bucket>();

  #bucket(key: string): Bucket {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      bucket = { rule: undefined, returns: [], head: 0, server: undefined, refusedUntil: 0 };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  #expire(bucket: Bucket, now: number): void {
    const { returns } = bucket;
    while (bucket.head < returns.length && (returns[bucket.head] ?? Infinity) <= now) bucket.head++;
    // Compact occasionally instead of shifting on every take.
    if (bucket.head > 64 && bucket.head * 2 > returns.length) {
      returns.splice(0, bucket.head);
      bucket.head = 0;
    }
    if (bucket.server && bucket.server.resetAt <= now) bucket.server = undefined;
  }

  take(key: string, rule: RateLimitRule, now: number): Promise<TakeResult> {
    const bucket = this.#bucket(key);
    bucket.rule = rule;
    this.#expire(bucket, now);
    if (bucket.refusedUntil > now) return Promise.resolve({ granted: false, waitMs: bucket.refusedUntil - now });
    const { server } = bucket;
    if (server && server.remaining <= 0) return Promise.resolve({ granted: false, waitMs: server.resetAt - now });
    const used = bucket.returns.length - bucket.head;
    if (used < rule.limit) {
      insertSorted(bucket.returns, bucket.head, now + rule.intervalMs);
      if (server) server.remaining--;
      return Promise.resolve({ granted: true });
    }
    // The (used - limit + 1)-th return frees a token for us.
    const freeAt = bucket.returns[bucket.head + used - rule.limit] ?? now + rule.intervalMs;
    return Promise.resolve({ granted: false, waitMs: Math.max(1, freeAt - now) });
  }

  observe(key: string, info: ObservedLimits, now: number): Promise<void> {
    const { remaining, resetAt, refusedUntil } = info;
    if (refusedUntil !== undefined) {
      const bucket = this.#bucket(key);
      // Several 429s in flight: the latest word about when to come back holds.
      bucket.refusedUntil = Math.max(bucket.refusedUntil > now ? bucket.refusedUntil : 0, refusedUntil);
      bucket.server = undefined;
      return Promise.resolve();
    }
    if (remaining === undefined) return Promise.resolve();
    const bucket = this.#bucket(key);
    this.#expire(bucket, now);
    if (resetAt !== undefined && resetAt > now) {
      const known = bucket.server;
      // A reset at least a second later than the one we hold means a new server window
      // (smaller differences are rounding or delta-seconds drift): take the server's count.
      // Within the same window only ever lower it: a response can be older than requests
      // already in flight, which our own count has subtracted.
      if (!known || resetAt - known.resetAt >= 1000) bucket.server = { remaining, resetAt };
      else bucket.server = { remaining: Math.min(known.remaining, remaining), resetAt: Math.max(known.resetAt, resetAt) };
      return Promise.resolve();
    }
    const rule = bucket.rule;
    if (!rule) return Promise.resolve();
    // No reset given: use up local tokens until we agree with the server; they come back one
    // interval from now like any other.
    const free = rule.limit - (bucket.returns.length - bucket.head);
    for (let i = Math.max(0, remaining); i < free; i++) insertSorted(bucket.returns, bucket.head, now + rule.intervalMs);
    return Promise.resolve();
  }
}

/** Waiting `ms` would end after the call's total deadline, if any. */
function pastDeadline(call: Call, ms: number): boolean {
  return call.deadline !== undefined && Date.now() + ms >= call.deadline.at;
}

function insertSorted(list: number[], from: number, value: number): void {
  let i = list.length;
  // Almost always appended at the end: times only grow.
  while (i > from && (list[i - 1] ?? -Infinity) > value) i--;
  if (i === list.length) list.push(value);
  else list.splice(i, 0, value);
}

export interface RateLimitWaitInfo {
  key: string;
  waitMs: number;
}

/** Handed to `onRateLimit` before any wait the budget imposes. */
export interface RateLimitEvent {
  /** `client`: our own limiter has no token yet; `server`: the server answered 429. */
  source: "client" | "server";
  /** The bucket (client) or undefined (a server 429 on an unlimited operation). */
  key?: string;
  /** How long the wait would be. */
  waitMs: number;
  method: string;
  /** Redacted. */
  url: string;
  /** Attempts made so far for this call (server) or waits so far (client), from 1. */
  attempt: number;
}

/**
 * Decides a wait the budget imposes, as octokit's throttling does: `true` waits (even past
 * `maxWaitMs` / `maxRetryAfterMs`, though never past the total timeout), `false` fails now with a
 * RateLimitError, `undefined` keeps the default rule (wait when within the configured maximum).
 */
export type OnRateLimit = (event: RateLimitEvent) => boolean | undefined | void | Promise<boolean | undefined | void>;

export interface RateLimitOptions {
  /** Scope name -> rule. */
  rules: Record<string, RateLimitRule>;
  /** Which rule applies to a request; `undefined` = not limited. */
  scopeFor: (request: Request, call: Call) => string | undefined;
  /** E.g. vendor + service id, so two accounts do not share a bucket. */
  keyPrefix?: string;
  store?: RateLimitStore;
  clock?: Clock;
  /** Longest total wait for a token; beyond it a RateLimitError is thrown. Default 60_000. */
  maxWaitMs?: number;
  /** Called before every wait for a token. */
  onWait?: (info: RateLimitWaitInfo) => void;
  /** Decides each wait for a token (see OnRateLimit). */
  onRateLimit?: OnRateLimit;
  /** Named in errors. */
  vendor?: string;
  redactor?: Redactor;
}

/**
 * Client-side budget per scope: waits for a token (and, with `maxConcurrent`, a slot) before
 * sending, and feeds the server's remaining/reset headers back into the store, so a
 * well-configured client never receives a 429 it could have avoided.
 */
export function withRateLimit(options: RateLimitOptions): FetchLayer {
  const store: RateLimitStore = options.store ?? new MemoryRateLimitStore();
  const clock = options.clock ?? systemClock;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const prefix = options.keyPrefix ?? "";
  const redactor = options.redactor ?? defaultRedactor;
  // Per key, in this process: FIFO order for token waits (one waiter polls the store at a
  // time, no thundering herd) and the concurrency slots.
  const queues = new Map<string, Semaphore>();
  const slots = new Map<string, Semaphore>();
  const semaphore = (map: Map<string, Semaphore>, key: string, permits: number): Semaphore => {
    let s = map.get(key);
    if (!s) {
      s = new Semaphore(permits);
      map.set(key, s);
    }
    return s;
  };

  const acquireToken = async (key: string, rule: RateLimitRule, request: Request, call: Call): Promise<void> => {
    // Everyone passes through the per-key queue (free when nobody waits) so a newcomer
    // cannot overtake a request that has been waiting.
    const releaseQueue = await semaphore(queues, key, 1).acquire(call.signal, deadlineWait(request, call));
    try {
      let waited = 0;
      let waits = 0;
      let result = await store.take(key, rule, clock.now());
      while (!result.granted) {
        const decision = options.onRateLimit
          ? await options.onRateLimit({
              source: "client",
              key,
              waitMs: result.waitMs,
              method: request.method,
              url: redactor.redactUrl(request.url),
              attempt: ++waits,
            })
          : undefined;
        const overMax = decision === false || (decision !== true && waited + result.waitMs > maxWaitMs);
        if (overMax || pastDeadline(call, result.waitMs)) {
          const now = clock.now();
          const bound =
            decision === false ? "declined by onRateLimit" : overMax ? `over maxWaitMs ${maxWaitMs}` : "after the total timeout";
          throw new RateLimitError({
            status: 429,
            message: `${options.vendor ? `${options.vendor} ` : ""}client-side rate limit for "${key}": next request allowed in ${Math.ceil(result.waitMs)} ms, ${bound}`,
            vendorCode: "client_rate_limit",
            retryAfterMs: result.waitMs,
            resetAt: now + result.waitMs,
            method: request.method,
            url: request.url,
            redactor,
            ...(options.vendor === undefined ? {} : { vendor: options.vendor }),
          });
        }
        options.onWait?.({ key, waitMs: result.waitMs });
        await clock.sleep(result.waitMs, call.signal);
        waited += result.waitMs;
        result = await store.take(key, rule, clock.now());
      }
    } finally {
      releaseQueue();
    }
  };

  /**
   * A slot of this process first (FIFO, and no more store polling than slots), then, when the store
   * shares slots between processes, a lease from the store.
   */
  const acquireSlot = async (
    key: string,
    rule: RateLimitRule & { maxConcurrent: number },
    request: Request,
    call: Call,
  ): Promise<() => void> => {
    const releaseLocal = await semaphore(slots, key, rule.maxConcurrent).acquire(call.signal, deadlineWait(request, call));
    if (!store.acquireSlot) return releaseLocal;
    try {
      let lease = await store.acquireSlot(key, rule, clock.now());
      while (!lease.granted) {
        if (pastDeadline(call, lease.waitMs)) throw deadlineWait(request, call)?.error();
        await clock.sleep(lease.waitMs, call.signal);
        lease = await store.acquireSlot(key, rule, clock.now());
      }
      const { release } = lease;
      return () => {
        // The lease goes back first: a local waiter's own request for one then follows it to the store.
        // A lease that cannot be handed back (store unreachable) expires by itself: nothing to do here.
        release().catch(() => undefined);
        releaseLocal();
      };
    } catch (error) {
      releaseLocal();
      throw error;
    }
  };

  /** Waiting in line ends at the call's total deadline, if any. */
  const deadlineWait = (request: Request, call: Call): { ms: number; error: () => unknown } | undefined => {
    const deadline = call.deadline;
    if (deadline === undefined) return undefined;
    return {
      ms: deadline.at - Date.now(),
      error: () =>
        timeoutErrorFor(request, deadline.ms, "total", {
          redactor,
          ...(options.vendor === undefined ? {} : { vendor: options.vendor }),
        }),
    };
  };

  return (next) =>
    async (request, call = createCall(request)) => {
      const scope = options.scopeFor(request, call);
      if (scope === undefined) return next(request, call);
      const rule = options.rules[scope];
      if (!rule) {
        throw new InvalidInputError({
          issues: [{ path: "rateLimit.rules", message: `no rule for scope "${scope}"` }],
          redactor,
        });
      }
      const key = prefix + scope;
      const releaseSlot =
        rule.maxConcurrent !== undefined
          ? await acquireSlot(key, { ...rule, maxConcurrent: rule.maxConcurrent }, request, call)
          : undefined;
      try {
        await acquireToken(key, rule, request, call);
        const response = await next(request, call);
        await observe(key, response);
        return response;
      } finally {
        releaseSlot?.();
      }
    };

  async function observe(key: string, response: Response): Promise<void> {
    const now = clock.now();
    const info = parseRateLimitHeaders(response.headers, now);
    if (response.status === 429) {
      // A 429 means the budget is spent even if the server did not say so in headers; its own
      // Retry-After (else its own reset) says for how long.
      const retryAfter = parseRetryAfter(response.headers, now);
      const refusedUntil = retryAfter !== undefined ? now + retryAfter : info.resetAt;
      if (refusedUntil !== undefined) await store.observe(key, { refusedUntil }, now);
      return;
    }
    if (info.remaining === undefined) return;
    const observed: { remaining?: number; resetAt?: number } = { remaining: info.remaining };
    if (info.resetAt !== undefined) observed.resetAt = info.resetAt;
    await store.observe(key, observed, now);
  }
}
