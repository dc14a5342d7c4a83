import type { InvalidItem } from "@cdpkit/core/batch";
import { type KameleoonClient, type ProductEvent, type SendEventsOptions, type SendEventsReport, type VisitEvent } from "@cdpkit/kameleoon";
import { assertCommonId, completeProductEvent, completeVisitEvent } from "@cdpkit/kameleoon/events";
import type { DeliveryTarget } from "../delivery.js";

export interface KameleoonEventsTargetOptions extends Pick<SendEventsOptions, "concurrency" | "format" | "maxBodyBytes"> {
  /** Queue name. Default `kameleoon-visit-events` / `kameleoon-product-events`; one per site if several share a Redis. */
  name?: string;
}

type IdField = "visitorCode" | "ean";
/** One identifier for all of a job's events, or none (each event then carries its own). */
type CommonId<Field extends IdField> = { readonly [K in Field]: string } | undefined;
/** A job's visitor, when all its events are about one; leave it out and each event carries its own `visitorCode`. */
export type KameleoonVisitor = CommonId<"visitorCode">;
/** A job's product, when all its events are about one; leave it out and each event carries its own `ean`. */
export type KameleoonProduct = CommonId<"ean">;

/** A context that is given must carry a valid id: `null`, a bare string or `{}` would silently mean "none". */
function checkCommon(field: IdField, context: unknown): void {
  if (context === undefined) return;
  const value = context !== null && typeof context === "object" ? (context as Record<string, unknown>)[field] : undefined;
  assertCommonId(field, value ?? null, "enqueue");
}

/** Both event endpoints work alike; only the identifier field and the helpers differ. */
function eventsTarget<E extends { nonce?: string }, Field extends IdField>(
  field: Field,
  defaultName: string,
  complete: (input: E, position: number, common?: string) => E | InvalidItem,
  send: (events: E[], options: SendEventsOptions & { [K in Field]?: string }) => Promise<SendEventsReport<E>>,
  options: KameleoonEventsTargetOptions,
): DeliveryTarget<E, E, CommonId<Field>> {
  const { name = defaultName, ...sendOptions } = options;
  return {
    name,
    itemName: "event",
    prepare: (input, position, common) => complete(input, position, common?.[field]),
    // complete* always return an event with a 16-hex-character nonce.
    idOf: (event) => event.nonce!,
    checkContext: (common) => checkCommon(field, common),
    send: (events, common, signal) => {
      // A computed key widens to `string`: the cast restores the one field it is.
      const commonOption = (common ? { [field]: common[field] } : {}) as { [K in Field]?: string };
      return send(events, { ...sendOptions, ...commonOption, signal, keepAccepted: false });
    },
  };
}

/**
 * Kameleoon `POST /visit/events` as a delivery target: `nonce` filled at enqueue (Kameleoon
 * deduplicates on it), sent with `client.sendVisitEvents`, the job's `visitorCode` (if any) once for all.
 */
export function kameleoonVisitEvents(
  client: Pick<KameleoonClient, "sendVisitEvents">,
  options: KameleoonEventsTargetOptions = {},
): DeliveryTarget<VisitEvent, VisitEvent, KameleoonVisitor> {
  return eventsTarget(
    "visitorCode",
    "kameleoon-visit-events",
    completeVisitEvent,
    (events, o) => client.sendVisitEvents(events, o),
    options,
  );
}

/** As `kameleoonVisitEvents`, for `POST /product/events` (`client.sendProductEvents`, the job's `ean` if any). */
export function kameleoonProductEvents(
  client: Pick<KameleoonClient, "sendProductEvents">,
  options: KameleoonEventsTargetOptions = {},
): DeliveryTarget<ProductEvent, ProductEvent, KameleoonProduct> {
  return eventsTarget("ean", "kameleoon-product-events", completeProductEvent, (events, o) => client.sendProductEvents(events, o), options);
}
