// @cdpkit/kameleoon/events: what sendVisitEvents / sendProductEvents do to one event, for code that completes
// events itself (a queue filling nonces at enqueue). The client loads the same module at its first send.
export { MAX_EVENTS_BODY_BYTES, assertCommonId, completeProductEvent, completeVisitEvent, encodeEventLine, newNonce } from "./events.js";
