import {
  assertCommonId,
  completeProductEvent,
  completeVisitEvent,
  type KameleoonClient,
  type ProductEvent,
  type SendEventsOptions,
  type VisitEvent,
} from "@cdpkit/kameleoon";
import type { DeliveryTarget } from "../delivery.js";

/** A context that is given must carry a valid id: `null`, a bare string or `{}` would silently mean "none". */
function checkCommon(field: "visitorCode" | "ean", context: unknown): void {
  if (context === undefined) return;
  const value = context !== null && typeof context === "object" ? (context as Record<string, unknown>)[field] : undefined;
  assertCommonId(field, value ?? null, "enqueue");
}

export interface KameleoonEventsTargetOptions extends Pick<SendEventsOptions, "concurrency" | "format" | "maxBodyBytes"> {
  /** Queue name. Default `kameleoon-visit-events` / `kameleoon-product-events`; one per site if several share a Redis. */
  name?: string;
}

/** A job's visitor, when all its events are about one; leave it out and each event carries its own `visitorCode`. */
export type KameleoonVisitor = { readonly visitorCode: string } | undefined;
/** A job's product, when all its events are about one; leave it out and each event carries its own `ean`. */
export type KameleoonProduct = { readonly ean: string } | undefined;

/**
 * Kameleoon `POST /visit/events` as a delivery target: `nonce` filled at enqueue (Kameleoon
 * deduplicates on it), sent with `client.sendVisitEvents`, the job's `visitorCode` (if any) once for all.
 */
export function kameleoonVisitEvents(
  client: Pick<KameleoonClient, "sendVisitEvents">,
  options: KameleoonEventsTargetOptions = {},
): DeliveryTarget<VisitEvent, VisitEvent, KameleoonVisitor> {
  const { name = "kameleoon-visit-events", ...sendOptions } = options;
  return {
    name,
    itemName: "event",
    prepare: (input, position, visitor) => completeVisitEvent(input, position, visitor?.visitorCode),
    // completeVisitEvent always returns an event with a 16-hex-character nonce.
    idOf: (event) => event.nonce!,
    checkContext: (visitor) => checkCommon("visitorCode", visitor),
    send: (events, visitor, signal) =>
      client.sendVisitEvents(events, {
        ...sendOptions,
        ...(visitor ? { visitorCode: visitor.visitorCode } : {}),
        signal,
        keepAccepted: false,
      }),
  };
}

/** As `kameleoonVisitEvents`, for `POST /product/events` (`client.sendProductEvents`, the job's `ean` if any). */
export function kameleoonProductEvents(
  client: Pick<KameleoonClient, "sendProductEvents">,
  options: KameleoonEventsTargetOptions = {},
): DeliveryTarget<ProductEvent, ProductEvent, KameleoonProduct> {
  const { name = "kameleoon-product-events", ...sendOptions } = options;
  return {
    name,
    itemName: "event",
    prepare: (input, position, product) => completeProductEvent(input, position, product?.ean),
    idOf: (event) => event.nonce!,
    checkContext: (product) => checkCommon("ean", product),
    send: (events, product, signal) =>
      client.sendProductEvents(events, { ...sendOptions, ...(product ? { ean: product.ean } : {}), signal, keepAccepted: false }),
  };
}
