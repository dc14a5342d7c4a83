import { CdpkitError, InvalidInputError, type BatchFailure, type BatchReport } from "@cdpkit/core";
import { InvalidItem } from "@cdpkit/core/batch";
import { DelayedError, Queue, Worker, type ConnectionOptions, type Job, type JobsOptions } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";

/**
 * Durable delivery on BullMQ: producers enqueue items for a vendor with their idempotency keys filled
 * in; workers drain them through the vendor's batch helper (and so through the client's rate limit,
 * shared when the client has a RedisRateLimitStore). A job is at-least-once: a worker that dies loses
 * its lock and the job runs again, re-sending the same ids, which the vendor deduplicates.
 */

/** How one vendor's batch helper plugs into the queue. `@cdpkit/redis/dfinery` and the others provide them. */
export interface DeliveryTarget<Input, Item, Context = undefined> {
  /** Base name of the queue (and of `<name>-dead`, its dead-letter queue). */
  readonly name: string;
  /** What an item is called in errors and counts. */
  readonly itemName: string;
  /**
   * Completes one item for good (idempotency key, timestamp) or says why it can never be sent.
   * Runs once, at enqueue: every delivery of the job then sends exactly these values. `context` is the
   * job's (checked by `checkContext` first), for items that may rely on it (Kameleoon's common visitor).
   */
  prepare(input: Input, position: number, context: Context): Item | InvalidItem;
  /** The item's idempotency key (DFINERY `event_log_id`, Synerise `eventSalt`, Kameleoon `nonce`). */
  idOf(item: Item): string;
  /** Throws InvalidInputError for a context (e.g. an identity) the vendor would refuse. */
  checkContext?(context: Context): void;
  /** Sends one job's items; every item ends accepted or failed with its reason (core's batch report). */
  send(items: Item[], context: Context, signal: AbortSignal): Promise<BatchReport<Item>>;
}

/** Redis for BullMQ: a URL, ioredis options, or a client (BullMQ duplicates it for its blocking connection). */
export type DeliveryConnection = string | RedisOptions | Redis;

interface JobData<Item, Context> {
  readonly context: Context;
  readonly items: Item[];
}

/** Why an item was dead-lettered: the error's fields a person needs, already redacted by the client. */
export interface DeadLetterReason {
  readonly name: string;
  readonly kind?: string;
  readonly status?: number;
  readonly vendorCode?: string | number;
  readonly message: string;
  /** Deliveries tried (1 for a permanent refusal on the first try). */
  readonly attempts: number;
}

export interface DeadLetter<Item, Context> {
  /** The job the items came from. */
  readonly jobId: string;
  readonly context: Context;
  readonly entries: readonly { readonly item: Item; readonly reason: DeadLetterReason }[];
}

export interface DeliveryCounts {
  readonly waiting: number;
  readonly active: number;
  /** Waiting for a retry after a transient failure. */
  readonly delayed: number;
  readonly completed: number;
  /** Jobs BullMQ itself failed (stalled more than `maxStalledCount` times); still in Redis, see README. */
  readonly failed: number;
  /** Dead-letter jobs (each carries the items of one job that the vendor refused for good). */
  readonly deadLettered: number;
}

export interface EnqueueReport<Item> {
  /** Items enqueued, completed (ids filled in), in input order. */
  readonly items: readonly Item[];
  readonly jobIds: readonly string[];
  /** Items that can never be sent: not enqueued, each with its reason. */
  readonly invalid: readonly { readonly position: number; readonly item: unknown; readonly error: InvalidInputError }[];
}

/** A job's context, which may be left out where the target needs none (Synerise) or makes it optional (Kameleoon). */
export type ContextArgument<Context> = undefined extends Context ? [context?: Context] : [context: Context];

export interface DeliveryQueueOptions<Input, Item, Context> {
  connection: DeliveryConnection;
  target: DeliveryTarget<Input, Item, Context>;
  /** BullMQ key prefix. Default `cdpkit`. */
  prefix?: string;
  /** Items per job (one job = one call of the batch helper). Default 500. */
  itemsPerJob?: number;
  /** Deliveries of a job before its still-failing items are dead-lettered. Default 8. */
  attempts?: number;
  /** First retry delay, doubled each time (BullMQ exponential backoff). Default 1000 ms. */
  backoffMs?: number;
}

function connectionFor(connection: DeliveryConnection, worker: boolean): ConnectionOptions {
  if (connection instanceof Redis) return connection;
  // A worker's blocking connection must wait through a Redis restart rather than fail its commands.
  const defaults: RedisOptions = worker ? { maxRetriesPerRequest: null } : {};
  return typeof connection === "string" ? new Redis(connection, defaults) : { ...connection, ...defaults };
}

/** A job id made of its items' ids (Web Crypto: the package imports no Node built-in of its own). */
async function hashIds(ids: readonly string[]): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(ids.join("\n")));
  return Array.from(new Uint8Array(digest).subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function deadLetterQueueName(name: string): string {
  return `${name}-dead`;
}

/** The producer side and the observer: enqueue, counts, dead letters. */
export class DeliveryQueue<Input, Item, Context = undefined> {
  readonly queue: Queue<JobData<Item, Context>>;
  readonly deadLetters: Queue<DeadLetter<Item, Context>>;
  readonly #target: DeliveryTarget<Input, Item, Context>;
  readonly #itemsPerJob: number;
  readonly #jobOptions: JobsOptions;
  readonly #connections: Redis[] = [];

  constructor(options: DeliveryQueueOptions<Input, Item, Context>) {
    const itemsPerJob = options.itemsPerJob ?? 500;
    if (!Number.isInteger(itemsPerJob) || itemsPerJob < 1) {
      throw new InvalidInputError({
        message: "itemsPerJob must be a positive integer",
        issues: [{ path: "itemsPerJob", message: "must be a positive integer" }],
      });
    }
    this.#target = options.target;
    this.#itemsPerJob = itemsPerJob;
    this.#jobOptions = {
      attempts: options.attempts ?? 8,
      backoff: { type: "exponential", delay: options.backoffMs ?? 1000 },
      // Completed jobs are kept for a while for counts and inspection, then dropped.
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: false,
    };
    const prefix = options.prefix ?? "cdpkit";
    const connection = connectionFor(options.connection, false);
    if (connection instanceof Redis && !(options.connection instanceof Redis)) this.#connections.push(connection);
    this.queue = new Queue(options.target.name, { connection, prefix });
    this.deadLetters = new Queue(deadLetterQueueName(options.target.name), { connection, prefix });
  }

  /**
   * Completes every item (ids filled in once, here) and enqueues them in jobs of `itemsPerJob`. Job ids
   * are derived from the item ids, so enqueueing the returned items again (after an error half-way) adds
   * no job that is still in the queue. Invalid items are reported, not enqueued.
   */
  async enqueue(inputs: Iterable<Input>, ...contextArgument: ContextArgument<Context>): Promise<EnqueueReport<Item>> {
    const context = contextArgument[0] as Context;
    this.#target.checkContext?.(context);
    const items: Item[] = [];
    const invalid: { position: number; item: unknown; error: InvalidInputError }[] = [];
    let position = 0;
    for (const input of inputs) {
      const at = position++;
      const prepared = this.#target.prepare(input, at, context);
      if (prepared instanceof InvalidItem) {
        const message = `${this.#target.itemName} ${at} was not enqueued: ${prepared.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
        invalid.push({ position: at, item: input, error: new InvalidInputError({ message, issues: [...prepared.issues] }) });
      } else items.push(prepared);
    }
    const jobs = [];
    for (let i = 0; i < items.length; i += this.#itemsPerJob) {
      const chunk = items.slice(i, i + this.#itemsPerJob);
      const jobId = await hashIds(chunk.map((item) => this.#target.idOf(item)));
      jobs.push({ name: this.#target.itemName, data: { context, items: chunk }, opts: { ...this.#jobOptions, jobId } });
    }
    const added = jobs.length > 0 ? await this.queue.addBulk(jobs) : [];
    return { items, jobIds: added.map((job) => String(job.id)), invalid };
  }

  async counts(): Promise<DeliveryCounts> {
    const [main, dead] = await Promise.all([
      this.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized", "waiting-children"),
      this.deadLetters.getJobCounts("waiting", "paused"),
    ]);
    return {
      waiting: (main.waiting ?? 0) + (main.prioritized ?? 0) + (main["waiting-children"] ?? 0),
      active: main.active ?? 0,
      delayed: main.delayed ?? 0,
      completed: main.completed ?? 0,
      failed: main.failed ?? 0,
      deadLettered: (dead.waiting ?? 0) + (dead.paused ?? 0),
    };
  }

  /** Dead letters, oldest first (`start`/`end` as in BullMQ's getJobs). */
  async listDeadLetters(start = 0, end = -1): Promise<DeadLetter<Item, Context>[]> {
    const jobs = await this.deadLetters.getJobs(["waiting", "paused"], start, end, true);
    return jobs.map((job) => job.data);
  }

  async close(): Promise<void> {
    await Promise.all([this.queue.close(), this.deadLetters.close()]);
    await Promise.all(this.#connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}

/** A refusal the vendor will repeat (bad input, a 4xx other than timeouts and rate limits): dead-lettered at once. */
export function isPermanentFailure(error: CdpkitError): boolean {
  if (error.kind === "invalid_input") return true;
  if (error.kind === "rate_limit" || error.kind === "timeout" || error.kind === "network" || error.kind === "aborted") return false;
  const status = error.status;
  if (status !== undefined && status >= 500) return false;
  // A vendor's envelope refusal (DFINERY answers some with HTTP 200 and "status": false).
  if (error.kind === "vendor") return true;
  return status !== undefined && status >= 400 && status < 500 && ![408, 425, 429].includes(status);
}

export interface DeliveryProgress {
  readonly accepted: number;
  readonly deadLettered: number;
  readonly retrying: number;
}

export interface DeliveryWorkerOptions<Input, Item, Context> {
  connection: DeliveryConnection;
  target: DeliveryTarget<Input, Item, Context>;
  prefix?: string;
  /** Jobs processed at once by this worker. Default 4. */
  concurrency?: number;
  /** A job's lock; a dead worker's jobs run again once it expires. Default 30 s. */
  lockDurationMs?: number;
  /** How often expired locks are looked for. Default: `lockDurationMs`. */
  stalledIntervalMs?: number;
  /** Times a job may lose its worker before BullMQ fails it. Default 10. */
  maxStalledCount?: number;
  /** Which failures are dead-lettered at once; the others are retried. Default `isPermanentFailure`. */
  isPermanent?: (error: CdpkitError) => boolean;
}

function reasonOf(error: CdpkitError, attempts: number): DeadLetterReason {
  return {
    name: error.name,
    kind: error.kind,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.vendorCode === undefined ? {} : { vendorCode: error.vendorCode }),
    message: error.message,
    attempts,
  };
}

/** Thrown by a job whose items failed for now: BullMQ retries it later with backoff. */
export class DeliveryRetryError extends Error {
  override name = "DeliveryRetryError";
}

/**
 * The consumer side: a BullMQ Worker that sends each job through the target. Per job: accepted
 * items are done; items refused for good go to the dead-letter queue with their reason; the rest
 * stay in the job (its data shrinks to them) and the job is retried with backoff — on the last
 * attempt they are dead-lettered with their last reason instead. `stop()` finishes in-flight jobs or,
 * past its timeout, aborts them so they return to the queue.
 */
export class DeliveryWorker<Input, Item, Context = undefined> {
  readonly worker: Worker<JobData<Item, Context>, DeliveryProgress>;
  readonly #deadLetters: Queue<DeadLetter<Item, Context>>;
  readonly #target: DeliveryTarget<Input, Item, Context>;
  readonly #isPermanent: (error: CdpkitError) => boolean;
  readonly #shutdown = new AbortController();
  readonly #connections: Redis[] = [];

  constructor(options: DeliveryWorkerOptions<Input, Item, Context>) {
    this.#target = options.target;
    this.#isPermanent = options.isPermanent ?? isPermanentFailure;
    const prefix = options.prefix ?? "cdpkit";
    const connection = connectionFor(options.connection, true);
    if (connection instanceof Redis && !(options.connection instanceof Redis)) this.#connections.push(connection);
    this.#deadLetters = new Queue(deadLetterQueueName(options.target.name), { connection, prefix });
    const lockDuration = options.lockDurationMs ?? 30_000;
    this.worker = new Worker(options.target.name, (job, token, signal) => this.#process(job, token, signal), {
      connection,
      prefix,
      concurrency: options.concurrency ?? 4,
      lockDuration,
      stalledInterval: options.stalledIntervalMs ?? lockDuration,
      maxStalledCount: options.maxStalledCount ?? 10,
    });
  }

  async #process(
    job: Job<JobData<Item, Context>, DeliveryProgress>,
    token: string | undefined,
    jobSignal: AbortSignal | undefined,
  ): Promise<DeliveryProgress> {
    const { context, items } = job.data;
    const signal = jobSignal ? AbortSignal.any([jobSignal, this.#shutdown.signal]) : this.#shutdown.signal;
    const attempt = job.attemptsMade + 1;
    const last = attempt >= (job.opts.attempts ?? 1);
    const report = await this.#target.send(items, context, signal);
    const dead: BatchFailure<Item>[] = [];
    const retry: BatchFailure<Item>[] = [];
    // Items our own shutdown kept from going out are handed back, whatever the attempt.
    const stopping = this.#shutdown.signal.aborted;
    for (const failure of report.failed) {
      const handedBack = stopping && failure.error.kind === "aborted";
      (!handedBack && (last || this.#isPermanent(failure.error)) ? dead : retry).push(failure);
    }
    if (dead.length > 0) {
      const entries = dead.map((f) => ({ item: f.item as Item, reason: reasonOf(f.error, attempt) }));
      // Derived from the job and the items: a redelivery of this job adds no second dead letter for them.
      const jobId = `${job.id}-${await hashIds(entries.map((e) => this.#target.idOf(e.item)))}`;
      await this.#deadLetters.add(
        "dead",
        { jobId: String(job.id), context, entries },
        { jobId, removeOnComplete: false, removeOnFail: false },
      );
    }
    const progress = { accepted: report.accepted, deadLettered: dead.length, retrying: retry.length };
    await job.updateProgress(progress);
    if (retry.length > 0) {
      await job.updateData({ context, items: retry.map((f) => f.item as Item) });
      if (stopping && token !== undefined) {
        // Back to the queue at once, without using up an attempt: another worker takes it.
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      const first = retry[0]!.error;
      throw new DeliveryRetryError(`${retry.length} ${this.#target.itemName}s not delivered yet (attempt ${attempt}): ${first.message}`);
    }
    return progress;
  }

  /** Waits for in-flight jobs; after `timeoutMs` aborts them (their unsent items go back to the queue). */
  async stop({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const closing = this.worker.close();
    const timer = setTimeout(() => this.#shutdown.abort(new Error("worker stopping")), timeoutMs);
    try {
      await closing;
    } finally {
      clearTimeout(timer);
    }
    await this.#deadLetters.close();
    await Promise.all(this.#connections.map((c) => c.quit().catch(() => c.disconnect())));
  }
}
