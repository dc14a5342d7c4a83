import {
  type DfineryClient,
  type DfineryEvent,
  type DfineryEventInput,
  type DfineryIdentity,
  type SendEventsOptions,
} from "@cdpkit/dfinery";
import { assertIdentity, completeEvent } from "@cdpkit/dfinery/events";
import type { DeliveryTarget } from "../delivery.js";

export interface DfineryEventsTargetOptions extends Pick<SendEventsOptions, "concurrency"> {
  /** Queue name. Default `dfinery-events`; one per service if several share a Redis. */
  name?: string;
}

/**
 * DFINERY `POST /api/v1/events` as a delivery target: one identity per job (the queue's context),
 * `event_log_id` and `event_datetime` filled at enqueue, sent with `client.sendEvents`.
 */
export function dfineryEvents(
  client: Pick<DfineryClient, "sendEvents">,
  options: DfineryEventsTargetOptions = {},
): DeliveryTarget<DfineryEventInput, DfineryEvent, DfineryIdentity> {
  return {
    name: options.name ?? "dfinery-events",
    itemName: "event",
    prepare: (input, position) => completeEvent(input, position),
    idOf: (event) => event.event_log_id,
    checkContext: (identity) => assertIdentity(identity, "enqueue"),
    send: (events, identity, signal) =>
      client.sendEvents(identity, events, {
        signal,
        keepAccepted: false,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      }),
  };
}
