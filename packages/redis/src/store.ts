import {
  MemoryRateLimitStore,
  defaultRedactor,
  redactingLogger,
  type Logger,
  type ObservedLimits,
  type RateLimitRule,
  type RateLimitStore,
  type Redactor,
  type SlotResult,
  type TakeResult,
} from "@cdpkit/core";
import { Redis, type RedisOptions } from "ioredis";
import { RedisUnavailableError } from "./errors.js";
import { ACQUIRE_SLOT, OBSERVE, RENEW_SLOT, TAKE } from "./scripts.js";

export interface RedisRateLimitStoreOptions {
  /**
   * Your ioredis client (the store defines its scripts on it and never closes it), or a URL /
   * options for one the store creates and `close()` closes.
   */
  redis: Redis | string | RedisOptions;
  /** Prefix of every key. Default `cdpkit:rl:`. */
  prefix?: string;
  /**
   * `"redis"` (default): time is Redis's `TIME`, so hosts whose clocks disagree still share one window.
   * `"caller"`: the `now` each call passes (tests on a manual clock).
   */
  clock?: "redis" | "caller";
  /** A command slower than this counts as Redis unavailable. Default 2000 ms. */
  commandTimeoutMs?: number;
  /**
   * When Redis is unavailable: `"error"` (default) throws RedisUnavailableError, so no request goes
   * out unbudgeted; `"memory"` logs a warning and uses an in-process MemoryRateLimitStore (each
   * process then has the whole budget to itself) until Redis answers again.
   */
  fallback?: "error" | "memory";
  /** Where the fallback's warnings go (redacted). */
  logger?: Logger;
  /** How often a process on the fallback tries Redis again. Default 1000 ms. */
  retryRedisAfterMs?: number;
  /**
   * A concurrency slot is a lease of this length, renewed every third of it while held: a process
   * that dies gives its slots back at most this long after. Default 30 s.
   */
  slotLeaseMs?: number;
  /** Longest wait between two looks for a free slot (a released slot is not announced). Default 50 ms. */
  slotPollMs?: number;
  redactor?: Redactor;
}

type ScriptedRedis = Redis & {
  cdpkitTake(tokens: string, state: string, ...args: (string | number)[]): Promise<[number, number]>;
  cdpkitObserve(tokens: string, state: string, ...args: (string | number)[]): Promise<number>;
  cdpkitAcquireSlot(slots: string, ...args: (string | number)[]): Promise<[number, number]>;
  cdpkitRenewSlot(slots: string, ...args: (string | number)[]): Promise<number>;
};

/**
 * core's RateLimitStore on Redis: one budget (sliding window, the server's remaining/reset and 429s)
 * and one set of concurrency slots for every process that uses the same Redis and key prefix. Each
 * operation is one Lua script, atomic on the server.
 */
export class RedisRateLimitStore implements RateLimitStore {
  readonly #redis: ScriptedRedis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #redisTime: "1" | "0";
  readonly #timeoutMs: number;
  readonly #fallback: MemoryRateLimitStore | undefined;
  readonly #log: Required<Logger>;
  readonly #retryAfterMs: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #redactor: Redactor;
  /** While on the fallback: when to try Redis again. */
  #degradedUntil = 0;

  constructor(options: RedisRateLimitStoreOptions) {
    const { redis } = options;
    this.#owned = !(redis instanceof Redis);
    const client =
      redis instanceof Redis
        ? redis
        : typeof redis === "string"
          ? new Redis(redis, connectionDefaults)
          : new Redis({ ...connectionDefaults, ...redis });
    client.defineCommand("cdpkitTake", { numberOfKeys: 2, lua: TAKE });
    client.defineCommand("cdpkitObserve", { numberOfKeys: 2, lua: OBSERVE });
    client.defineCommand("cdpkitAcquireSlot", { numberOfKeys: 1, lua: ACQUIRE_SLOT });
    client.defineCommand("cdpkitRenewSlot", { numberOfKeys: 1, lua: RENEW_SLOT });
    // An owned client's connection errors are reported through the calls that fail; without a
    // listener ioredis would also print each one.
    if (this.#owned) client.on("error", () => undefined);
    this.#redis = client as ScriptedRedis;
    this.#prefix = options.prefix ?? "cdpkit:rl:";
    this.#redisTime = (options.clock ?? "redis") === "redis" ? "1" : "0";
    this.#timeoutMs = options.commandTimeoutMs ?? 2000;
    this.#fallback = options.fallback === "memory" ? new MemoryRateLimitStore() : undefined;
    this.#redactor = options.redactor ?? defaultRedactor;
    this.#log = redactingLogger(options.logger, this.#redactor);
    this.#retryAfterMs = options.retryRedisAfterMs ?? 1000;
    this.#leaseMs = options.slotLeaseMs ?? 30_000;
    this.#pollMs = options.slotPollMs ?? 50;
  }

  /** The keys of one bucket, on one cluster slot. */
  #keys(key: string): { tokens: string; state: string; slots: string } {
    const base = `${this.#prefix}{${key}}`;
    return { tokens: `${base}:tokens`, state: `${base}:state`, slots: `${base}:slots` };
  }

  take(key: string, rule: RateLimitRule, now: number): Promise<TakeResult> {
    return this.#run(
      "take",
      async () => {
        const { tokens, state } = this.#keys(key);
        const [granted, waitMs] = await this.#redis.cdpkitTake(tokens, state, now, this.#redisTime, rule.limit, rule.intervalMs);
        return granted === 1 ? { granted: true as const } : { granted: false as const, waitMs: Number(waitMs) };
      },
      (memory) => memory.take(key, rule, now),
    );
  }

  observe(key: string, info: ObservedLimits, now: number): Promise<void> {
    const offset = (at: number | undefined): string | number => (at === undefined ? "" : at - now);
    return this.#run(
      "observe",
      async () => {
        const { tokens, state } = this.#keys(key);
        const remaining = info.refusedUntil === undefined && info.remaining !== undefined ? info.remaining : "";
        await this.#redis.cdpkitObserve(tokens, state, now, this.#redisTime, offset(info.refusedUntil), remaining, offset(info.resetAt));
      },
      (memory) => memory.observe(key, info, now),
    );
  }

  /** A lease on one of `maxConcurrent` slots shared by every process; renewed while held. */
  acquireSlot(key: string, rule: RateLimitRule & { maxConcurrent: number }, now: number): Promise<SlotResult> {
    return this.#run(
      "acquireSlot",
      async () => {
        const { slots } = this.#keys(key);
        const holder = globalThis.crypto.randomUUID();
        const [granted, waitMs] = await this.#redis.cdpkitAcquireSlot(
          slots,
          now,
          this.#redisTime,
          rule.maxConcurrent,
          this.#leaseMs,
          holder,
          this.#pollMs,
        );
        if (granted !== 1) return { granted: false as const, waitMs: Number(waitMs) };
        const renew = setInterval(
          () => void this.#redis.cdpkitRenewSlot(slots, Date.now(), this.#redisTime, this.#leaseMs, holder).catch(() => undefined),
          Math.max(10, Math.floor(this.#leaseMs / 3)),
        );
        renew.unref();
        return {
          granted: true as const,
          release: async () => {
            clearInterval(renew);
            await this.#command("releaseSlot", this.#redis.zrem(slots, holder));
          },
        };
      },
      // On the fallback, core's per-process slots already apply: every slot request is granted here.
      () => Promise.resolve({ granted: true as const, release: () => Promise.resolve() }),
    );
  }

  /** Closes the Redis connection the store created (never a client you passed in). */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #command<T>(operation: string, pending: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
    });
    try {
      return await Promise.race([pending, timeout]);
    } catch (cause) {
      // A late answer to a command we gave up on must not surface as an unhandled rejection.
      pending.catch(() => undefined);
      throw new RedisUnavailableError({ operation, cause, redactor: this.#redactor });
    } finally {
      clearTimeout(timer);
    }
  }

  async #run<T>(operation: string, onRedis: () => Promise<T>, onMemory: (memory: MemoryRateLimitStore) => Promise<T>): Promise<T> {
    const memory = this.#fallback;
    if (memory && Date.now() < this.#degradedUntil) return onMemory(memory);
    try {
      const result = await this.#command(operation, onRedis());
      if (memory && this.#degradedUntil !== 0) {
        this.#degradedUntil = 0;
        this.#log.warn("cdpkit: Redis rate-limit store reachable again; the shared budget applies again");
      }
      return result;
    } catch (error) {
      if (!memory || !(error instanceof RedisUnavailableError)) throw error;
      if (this.#degradedUntil === 0) {
        this.#log.warn("cdpkit: Redis rate-limit store unavailable; falling back to an in-process budget (not shared)", {
          reason: error.message,
        });
      }
      this.#degradedUntil = Date.now() + this.#retryAfterMs;
      return onMemory(memory);
    }
  }
}

/**
 * For a client the store creates: a command queued while disconnected is dropped after one failed
 * reconnection instead of waiting without bound (the store's own timeout reports Redis unavailable
 * sooner); reconnection goes on in the background.
 */
const connectionDefaults: RedisOptions = { maxRetriesPerRequest: 1 };
