import { type SendEventsOptions, type SyneriseClient, type SyneriseEvent } from "@cdpkit/synerise";
import { completeEvent } from "@cdpkit/synerise/events";
import type { DeliveryTarget } from "../delivery.js";

export interface SyneriseEventsTargetOptions extends Pick<SendEventsOptions, "concurrency" | "maxEventsPerBatch" | "maxBatchBytes"> {
  /** Queue name. Default `synerise-events`; one per workspace if several share a Redis. */
  name?: string;
}

/**
 * Synerise `POST /v4/events/batch` as a delivery target: each event names its own profile (`client`),
 * so a job has no context; `eventSalt` and `time` are filled at enqueue and the events are sent with
 * `client.sendEvents`, whose requests carrying a salt on every event Synerise overwrites instead of adding.
 */
export function syneriseEvents(
  client: Pick<SyneriseClient, "sendEvents">,
  options: SyneriseEventsTargetOptions = {},
): DeliveryTarget<SyneriseEvent, SyneriseEvent, undefined> {
  const { name = "synerise-events", ...sendOptions } = options;
  return {
    name,
    itemName: "event",
    prepare: (input, position) => completeEvent(input, position),
    // completeEvent always returns an event with a non-empty eventSalt.
    idOf: (event) => event.eventSalt!,
    send: (events, _context, signal) => client.sendEvents(events, { ...sendOptions, signal, keepAccepted: false }),
  };
}
