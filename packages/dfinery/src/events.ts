import { AbortedError, CdpkitError, InvalidInputError, isRealDateTime, measureJson, NetworkError, type InvalidInputIssue } from "@cdpkit/core";
import type { DfineryContext } from "./client.js";
import { errorForResponse } from "./envelope.js";
import type { paths } from "./generated/openapi.js";

type EventsBody = paths["/api/v1/events"]["post"]["requestBody"]["content"]["application/json"];
export type DfineryIdentity = EventsBody["common"]["identity"];
export type DfineryEvent = EventsBody["events"][number];

/** An event as a caller hands it over: `event_log_id` and `event_datetime` are filled in when missing. */
export type DfineryEventInput = Omit<DfineryEvent, "event_log_id" | "event_datetime"> & {
  event_log_id?: string;
  event_datetime?: string | Date;
};

/** Documented per-request limits of POST /api/v1/events (more is answered with 40402 TOO_MANY_EVENTS). */
export const MAX_EVENTS_PER_REQUEST = 100;
export const MAX_ITEMS_PER_REQUEST = 100;
/**
 * Largest serialised event sendEvents sends (UTF-8 bytes of its JSON). DFINERY documents no size
 * limit (its docs and our vendor notes give only the 100-event / 100-item counts), so this is a
 * conservative default: 1 MB read as 10^6 bytes, the request-body limit of the strictest CDP API
 * we cover (Synerise's "can't be more than 1 MB"), far above any event that fits DFINERY's
 * registered-property model. A larger event is refused before sending instead of failing its batch.
 */
export const MAX_EVENT_BYTES = 1_000_000;

export interface SendEventsOptions {
  /** Batches in flight at once. Default 2; the rate limiter still applies to each. */
  concurrency?: number;
  signal?: AbortSignal;
}

export interface EventBatchResult {
  /** Position of the batch in sending order. */
  index: number;
  events: DfineryEvent[];
  status: "accepted" | "failed";
  error?: CdpkitError;
}

export interface SendEventsReport {
  /** True when every event was accepted. */
  ok: boolean;
  accepted: DfineryEvent[];
  /** Every event not accepted, with the reason: nothing is dropped. */
  failed: { event: DfineryEvent; error: CdpkitError }[];
  batches: EventBatchResult[];
}


const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;
const IDENTITY_KEYS = ["external_id", "email", "phone_no", "kakao_user_id", "line_user_id"] as const;

function itemCount(event: DfineryEvent): number {
  return Array.isArray(event.event_items) ? event.event_items.length : 0;
}

export function assertIdentity(identity: unknown, where: string): asserts identity is DfineryIdentity {
  const record = identity as Record<string, unknown> | null | undefined;
  const present = IDENTITY_KEYS.filter((k) => typeof record?.[k] === "string" && record[k] !== "");
  if (!record || typeof record !== "object" || present.length === 0) {
    throw new InvalidInputError({
      vendor: "dfinery",
      message: `${where}: identity needs at least one of ${IDENTITY_KEYS.join(", ")}`,
      issues: [{ path: "identity", message: `needs at least one of ${IDENTITY_KEYS.join(", ")}` }],
    });
  }
}

function invalidEvent(issues: InvalidInputIssue[], where = "sendEvents"): InvalidInputError {
  return new InvalidInputError({
    vendor: "dfinery",
    message: `${where}: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
    issues,
  });
}

/** Completes one event, or says what is wrong with it. */
function prepare(input: DfineryEventInput, position: number, now: () => number): DfineryEvent | InvalidInputError {
  const issues: InvalidInputIssue[] = [];
  const at = `events[${position}]`;
  if (!input || typeof input !== "object" || Array.isArray(input)) return invalidEvent([{ path: at, message: "must be an object" }]);
  if (typeof input.event_name !== "string" || input.event_name === "") {
    issues.push({ path: `${at}.event_name`, message: "must be a non-empty string" });
  }
  if (input.event_log_id !== undefined && (typeof input.event_log_id !== "string" || input.event_log_id === "")) {
    issues.push({ path: `${at}.event_log_id`, message: "must be a non-empty string when given (omit it to have a UUID filled in)" });
  }
  let datetime = "";
  if (input.event_datetime instanceof Date) {
    if (Number.isNaN(input.event_datetime.getTime())) issues.push({ path: `${at}.event_datetime`, message: "is an invalid Date" });
    else datetime = input.event_datetime.toISOString();
  } else if (input.event_datetime === undefined) {
    datetime = new Date(now()).toISOString();
  } else {
    datetime = input.event_datetime;
    if (typeof datetime !== "string" || !DATETIME.test(datetime) || !isRealDateTime(datetime)) {
      issues.push({ path: `${at}.event_datetime`, message: "must be a real instant as yyyy-MM-ddTHH:mm:ss(.SSS) with a zone, or a valid Date" });
    }
  }
  const items = input.event_items;
  if (Array.isArray(items) && items.length > MAX_ITEMS_PER_REQUEST) {
    issues.push({
      path: `${at}.event_items`,
      message: `has ${items.length} items; DFINERY takes at most ${MAX_ITEMS_PER_REQUEST} per request`,
    });
  }
  if (issues.length > 0) return invalidEvent(issues);
  const event = {
    ...input,
    event_log_id: input.event_log_id ?? globalThis.crypto.randomUUID(),
    event_datetime: datetime,
    event_properties: input.event_properties ?? null,
    event_items: input.event_items ?? null,
  } as DfineryEvent;
  const measured = measureJson(event, at);
  if ("issues" in measured) return invalidEvent(measured.issues);
  if (measured.bytes > MAX_EVENT_BYTES) {
    return invalidEvent([{ path: at, message: `is ${measured.bytes} bytes as JSON; sendEvents sends at most ${MAX_EVENT_BYTES} per event` }]);
  }
  return event;
}

/**
 * For a raw `POST /api/v1/events`: a copy of `body` in which every event without an `event_log_id`
 * has a fresh UUID, so a retried request cannot be stored twice (DFINERY deduplicates on it). The
 * caller's body is never modified; it is returned as is when nothing is missing or it is not an
 * events body. Throws InvalidInputError for an `event_log_id` that is given but empty or not a string.
 */
export function fillEventLogIds<B>(body: B): B {
  const events = (body as { events?: unknown } | null | undefined)?.events;
  if (!body || typeof body !== "object" || !Array.isArray(events)) return body;
  const issues: InvalidInputIssue[] = [];
  let missing = false;
  events.forEach((event: unknown, i) => {
    if (!event || typeof event !== "object") return;
    const id = (event as { event_log_id?: unknown }).event_log_id;
    if (id === undefined) missing = true;
    else if (typeof id !== "string" || id === "") {
      issues.push({ path: `body.events[${i}].event_log_id`, message: "must be a non-empty string (omit it to have a UUID filled in)" });
    }
  });
  if (issues.length > 0) throw invalidEvent(issues, "POST /api/v1/events");
  if (!missing) return body;
  return {
    ...body,
    events: events.map((event: unknown) =>
      event && typeof event === "object" && (event as { event_log_id?: unknown }).event_log_id === undefined
        ? { ...event, event_log_id: globalThis.crypto.randomUUID() }
        : event,
    ),
  };
}

/** Greedy split keeping each request within 100 events and 100 items in total. */
export function splitIntoBatches(events: readonly DfineryEvent[]): DfineryEvent[][] {
  const batches: DfineryEvent[][] = [];
  let current: DfineryEvent[] = [];
  let items = 0;
  for (const event of events) {
    const n = itemCount(event);
    if (current.length > 0 && (current.length >= MAX_EVENTS_PER_REQUEST || items + n > MAX_ITEMS_PER_REQUEST)) {
      batches.push(current);
      current = [];
      items = 0;
    }
    current.push(event);
    items += n;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function asCdpkitError(error: unknown, signal: AbortSignal | undefined): CdpkitError {
  // Aborted by the caller (before sending or in flight): not confirmed sent, and not a network failure.
  // An answer the server gave (a status) stays what it was.
  if (signal?.aborted && !(error instanceof CdpkitError && error.status !== undefined)) {
    return new AbortedError({ vendor: "dfinery", cause: signal.reason });
  }
  if (error instanceof CdpkitError) return error;
  return new NetworkError({ vendor: "dfinery", message: `sendEvents: ${String((error as Error)?.message ?? error)}`, cause: error });
}

/**
 * Sends any number of events for one identity: completes each event (a UUID `event_log_id` so a
 * retry cannot double-count, a timestamp), splits them into requests within DFINERY's limits, sends
 * under the client's rate limit and reports every event as accepted or failed with its reason.
 */
export async function sendEvents(
  ctx: DfineryContext,
  identity: DfineryIdentity,
  events: readonly DfineryEventInput[],
  options: SendEventsOptions = {},
): Promise<SendEventsReport> {
  assertIdentity(identity, "sendEvents");
  if (!Array.isArray(events)) {
    throw new InvalidInputError({
      vendor: "dfinery",
      message: "sendEvents: events must be an array",
      issues: [{ path: "events", message: "must be an array" }],
    });
  }
  const now = () => ctx.clock?.now() ?? Date.now();
  const accepted: DfineryEvent[] = [];
  const failed: SendEventsReport["failed"] = [];
  const ready: DfineryEvent[] = [];
  events.forEach((input, position) => {
    const prepared = prepare(input, position, now);
    if (prepared instanceof InvalidInputError) failed.push({ event: input as DfineryEvent, error: prepared });
    else ready.push(prepared);
  });

  const batches = splitIntoBatches(ready);
  const results: EventBatchResult[] = new Array(batches.length);
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const index = next++;
      const batch = batches[index]!;
      try {
        options.signal?.throwIfAborted();
        const { error, response } = await ctx.api.POST("/api/v1/events", {
          body: { common: { identity }, events: batch },
          signal: options.signal,
        });
        // Envelope failures (HTTP 200, "status": false) were already thrown by the client.
        if (error !== undefined || !response.ok) throw errorForResponse(response, error, "POST", ctx.redactor);
        results[index] = { index, events: batch, status: "accepted" };
      } catch (error) {
        results[index] = { index, events: batch, status: "failed", error: asCdpkitError(error, options.signal) };
      }
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, batches.length || 1));
  await Promise.all(Array.from({ length: concurrency }, worker));

  for (const result of results) {
    if (result.status === "accepted") accepted.push(...result.events);
    else for (const event of result.events) failed.push({ event, error: result.error! });
  }
  return { ok: failed.length === 0, accepted, failed, batches: results };
}
