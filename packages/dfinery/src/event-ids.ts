import { InvalidInputError, type InvalidInputIssue } from "@cdpkit/core";

// Apart from events.ts: every raw call passes through this, and an app that never calls sendEvents must not
// load the batch engine with it (issue 13's bundle target).

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
  if (issues.length > 0) {
    throw new InvalidInputError({
      vendor: "dfinery",
      message: `POST /api/v1/events: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
      issues,
    });
  }
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
