import {
  InvalidInputError,
  isRealDateTime,
  measureJson,
  withFields,
  type BatchPlan,
  type BatchReport,
  type BatchRunOptions,
  type InvalidInputIssue,
  type ItemSource,
} from "@cdpkit/core";
import { InvalidItem, runBatches } from "@cdpkit/core/batch";
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

export interface SendEventsOptions extends Pick<BatchRunOptions, "signal" | "onProgress" | "onRequest" | "onItemSettled" | "keepAccepted"> {
  /** Requests in flight at once. Default 2; the rate limiter still applies to each. */
  concurrency?: number;
}

/** Every event read, accepted (as sent, id and time filled in) or failed with its reason (core's one report shape). */
export type SendEventsReport = BatchReport<DfineryEvent>;

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

/** `issues` with one more, for `events[position]` + `field` (the list made at the first issue). */
function withIssue(issues: InvalidInputIssue[] | undefined, position: number, field: string, message: string): InvalidInputIssue[] {
  const list = issues ?? [];
  list.push({ path: `events[${position}]${field}`, message });
  return list;
}

/** Completes one event, or says what is wrong with it. */
function prepare(input: DfineryEventInput, position: number, now: () => number): DfineryEvent | InvalidItem {
  // The issues and their paths are made only for an event that has one: nearly every event is clean,
  // and a path string per event (a number-to-string conversion) was a measurable share of sendEvents.
  let issues: InvalidInputIssue[] | undefined;
  if (!input || typeof input !== "object" || Array.isArray(input)) return InvalidItem.at(`events[${position}]`, ["must be an object"]);
  if (typeof input.event_name !== "string" || input.event_name === "")
    issues = withIssue(issues, position, ".event_name", "must be a non-empty string");
  if (input.event_log_id !== undefined && (typeof input.event_log_id !== "string" || input.event_log_id === "")) {
    issues = withIssue(issues, position, ".event_log_id", "must be a non-empty string when given (omit it to have a UUID filled in)");
  }
  let datetime = "";
  if (input.event_datetime instanceof Date) {
    if (Number.isNaN(input.event_datetime.getTime())) issues = withIssue(issues, position, ".event_datetime", "is an invalid Date");
    else datetime = input.event_datetime.toISOString();
  } else if (input.event_datetime === undefined) {
    datetime = new Date(now()).toISOString();
  } else {
    datetime = input.event_datetime;
    if (typeof datetime !== "string" || !DATETIME.test(datetime) || !isRealDateTime(datetime)) {
      issues = withIssue(
        issues,
        position,
        ".event_datetime",
        "must be a real instant as yyyy-MM-ddTHH:mm:ss(.SSS) with a zone, or a valid Date",
      );
    }
  }
  const items = input.event_items;
  if (Array.isArray(items) && items.length > MAX_ITEMS_PER_REQUEST) {
    issues = withIssue(
      issues,
      position,
      ".event_items",
      `has ${items.length} items; DFINERY takes at most ${MAX_ITEMS_PER_REQUEST} per request`,
    );
  }
  if (issues !== undefined) return new InvalidItem(issues);
  return withFields(input, {
    event_log_id: input.event_log_id ?? globalThis.crypto.randomUUID(),
    event_datetime: datetime,
    event_properties: input.event_properties ?? null,
    event_items: input.event_items ?? null,
  }) as DfineryEvent;
}

/**
 * Completes one event as sendEvents does — an `event_log_id` (UUID) and `event_datetime` filled in
 * when missing — or says what is wrong with it. For a queue that fills the ids once, at enqueue time,
 * so every redelivery sends the same `event_log_id`.
 */
export function completeEvent(input: DfineryEventInput, position = 0, now: () => number = Date.now): DfineryEvent | InvalidItem {
  return prepare(input, position, now);
}

/** The event's JSON, measured once; an event JSON cannot carry faithfully, or too large, is refused. */
function encode(event: DfineryEvent, position: number): { text: string; bytes: number } | InvalidItem {
  const at = (): string => `events[${position}]`;
  const measured = measureJson(event, at);
  if ("issues" in measured) return new InvalidItem(measured.issues);
  if (measured.bytes > MAX_EVENT_BYTES) {
    return InvalidItem.at(at(), [`is ${measured.bytes} bytes as JSON; sendEvents sends at most ${MAX_EVENT_BYTES} per event`]);
  }
  return { text: measured.json, bytes: measured.bytes };
}

/**
 * Sends any number of events for one identity on core's batch engine: completes each event (a UUID
 * `event_log_id` so a retry cannot double-count, a timestamp), packs requests within DFINERY's limits
 * (100 events and 100 event items per request), sends under the client's rate limit and reports every
 * event as accepted or failed with its reason. `events` may be a stream (read as it is sent).
 */
export async function sendEvents(
  ctx: DfineryContext,
  identity: DfineryIdentity,
  events: ItemSource<DfineryEventInput>,
  options: SendEventsOptions = {},
): Promise<SendEventsReport> {
  assertIdentity(identity, "sendEvents");
  const now = () => ctx.clock?.now() ?? Date.now();
  const common = JSON.stringify({ identity });
  const plan: BatchPlan<DfineryEventInput, DfineryEvent> = {
    vendor: "dfinery",
    itemName: "event",
    redactor: ctx.redactor,
    limits: { maxItems: MAX_EVENTS_PER_REQUEST, maxWeight: MAX_ITEMS_PER_REQUEST },
    weightOf: itemCount,
    prepare: (input, position) => prepare(input, position, now),
    encode,
    send: async (batch, signal) => {
      const body = `{"common":${common},"events":[${batch.entries.map((e) => e.text).join(",")}]}`;
      // The body is the JSON the engine measured: sent as is. Envelope failures (HTTP 200 with
      // "status": false) are thrown by the client.
      const { error, response } = await ctx.api.POST("/api/v1/events", { body: body as never, signal });
      if (error !== undefined || !response.ok) throw errorForResponse(response, error, "POST", ctx.redactor);
    },
  };
  return runBatches(events, plan, { concurrency: 2, ...options });
}
