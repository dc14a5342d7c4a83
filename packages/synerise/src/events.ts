import {
  isRealDateTime,
  systemClock,
  withFields,
  type BatchPlan,
  type BatchReport,
  type BatchRunOptions,
  type Clock,
  type ItemSource,
  type OperationResult,
  type Redactor,
} from "@cdpkit/core";
import { InvalidItem, runBatches } from "@cdpkit/core/batch";
import { syneriseError } from "./errors.js";
import type { paths } from "./generated/openapi.js";

/** One event of `POST /v4/events/batch`, as the spec describes it. */
export type SyneriseEvent = paths["/v4/events/batch"]["post"]["requestBody"]["content"]["application/json"][number];

/** Documented limits of `/v4/events/batch`: "You can send up to a 1000 events and the size of the request can't be more than 1 MB." */
export const MAX_EVENTS_PER_BATCH = 1000;
/** 1 MB read as 10^6 bytes of JSON body: the stricter reading of "1 MB". */
export const MAX_BATCH_BYTES = 1_000_000;

export interface SendEventsOptions extends Pick<
  BatchRunOptions,
  "signal" | "onProgress" | "onRequest" | "onItemSettled" | "keepAccepted" | "concurrency"
> {
  /**
   * `"fill"` (default): an event without an `eventSalt` gets a random one, and one without `time` gets
   * the current time, so a request re-sent after a lost response overwrites its events instead of
   * duplicating them — and such requests are retried. `"keep"`: events are sent as given; a request is
   * then retried only if every event in it already has an `eventSalt`.
   */
  eventSalt?: "fill" | "keep";
  /** Lower limits, e.g. for tests; never above the documented ones. */
  maxEventsPerBatch?: number;
  maxBatchBytes?: number;
}

/**
 * Every event read, accepted (as sent, eventSalt/time filled in) or failed with its reason — invalid
 * ones are never sent; nothing is dropped (core's one report shape).
 */
export type SendEventsReport = BatchReport<SyneriseEvent>;

export interface SendEventBatchesContext extends SendEventsOptions {
  /** Sends one request body (a JSON array); `signal` is the caller's. */
  post: (body: string, safeToRepeat: boolean, signal?: AbortSignal) => Promise<OperationResult>;
  redactor: Redactor;
  clock?: Clock;
}

const IDENTIFIERS = ["id", "uuid", "customId", "email"] as const;

/** What a clean event's check answers: one shared empty list, not a new array per event of the batch. */
const NO_PROBLEMS: readonly string[] = Object.freeze([]);

const present = (client: Record<string, unknown>, key: string): boolean =>
  client[key] !== undefined && client[key] !== null && client[key] !== "";

function problems(event: unknown): readonly string[] {
  if (!event || typeof event !== "object" || Array.isArray(event)) return ["must be an object"];
  const e = event as Record<string, unknown>;
  const label =
    typeof e.label !== "string" || e.label === ""
      ? "label must be a non-empty string"
      : // The docs' own 400 sample: "label ... length must be between 1 and 64".
        e.label.length > 64
        ? "label must be at most 64 characters"
        : undefined;
  const type = typeof e.type !== "string" || e.type === "" ? "type must be a non-empty string" : undefined;
  // An empty or non-string salt cannot deduplicate anything: refused rather than sent unsafely.
  const salt =
    e.eventSalt !== undefined && (typeof e.eventSalt !== "string" || e.eventSalt === "")
      ? "eventSalt must be a non-empty string (omit it to have a UUID filled in)"
      : undefined;
  const time =
    typeof e.time === "string" && /^\d{4}-\d{2}-\d{2}/.test(e.time) && !isRealDateTime(e.time)
      ? "time is not a real date and time"
      : undefined;
  const client = e.client as Record<string, unknown> | undefined;
  const identified = !!client && typeof client === "object" && identifierType(client) !== "";
  const identity = identified ? undefined : "client must carry one of id, uuid, customId, email";
  if (label === undefined && type === undefined && salt === undefined && time === undefined && identity === undefined) return NO_PROBLEMS;
  return [label, type, salt, time, identity].filter((problem): problem is string => problem !== undefined);
}

function checked(given: SyneriseEvent, position: number): SyneriseEvent | InvalidItem {
  const issues = problems(given);
  return issues.length > 0 ? InvalidItem.at(`events[${position}]`, issues) : given;
}

/**
 * Completes one event as `sendEvents` does by default — an `eventSalt` (UUID) and `time` filled in when
 * missing — or says what is wrong with it. For a queue that fills the salts once, at enqueue time, so
 * every redelivery sends the same `eventSalt` and Synerise overwrites instead of adding.
 */
export function completeEvent(given: SyneriseEvent, position = 0, clock: Clock = systemClock): SyneriseEvent | InvalidItem {
  const event = checked(given, position);
  if (event instanceof InvalidItem) return event;
  return withFields(event, {
    eventSalt: event.eventSalt ?? globalThis.crypto.randomUUID(),
    time: event.time ?? new Date(clock.now()).toISOString(),
  });
}

/**
 * "In a request, all events must use the same type of profile identifier": the group key ("" for none).
 * Asked of every event; an event names one identifier almost always, and then the key is that name, with
 * no array or string built for it.
 */
function identifierType(client: Record<string, unknown>): string {
  let only: string | undefined;
  for (const key of IDENTIFIERS) {
    if (!present(client, key)) continue;
    if (only !== undefined) return IDENTIFIERS.filter((k) => present(client, k)).join("+");
    only = key;
  }
  return only ?? "";
}

/**
 * `POST /v4/events/batch` on core's batch engine: requests of at most 1000 events and 1 MB, one
 * identifier type each, an eventSalt per event so a re-sent request overwrites instead of adding.
 */
export async function sendEventBatches(events: ItemSource<SyneriseEvent>, ctx: SendEventBatchesContext): Promise<SendEventsReport> {
  const fill = (ctx.eventSalt ?? "fill") === "fill";
  const clock = ctx.clock ?? systemClock;
  const plan: BatchPlan<SyneriseEvent, SyneriseEvent> = {
    vendor: "synerise",
    itemName: "event",
    redactor: ctx.redactor,
    limits: {
      maxItems: Math.min(ctx.maxEventsPerBatch ?? MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH),
      maxBytes: Math.min(ctx.maxBatchBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES),
    },
    prepare: (given, position) => (fill ? completeEvent(given, position, clock) : checked(given, position)),
    groupOf: (event) => identifierType(event.client as Record<string, unknown>),
    send: async (batch, signal) => {
      const safe = batch.entries.every((e) => typeof e.item.eventSalt === "string" && e.item.eventSalt !== "");
      const result = await ctx.post(`[${batch.entries.map((e) => e.text).join(",")}]`, safe, signal);
      if (result.error !== undefined || !result.response.ok) throw syneriseError(result.response, result.error, "POST", ctx.redactor);
    },
  };
  return runBatches(events, plan, ctx);
}
