// @cdpkit/dfinery/events: what sendEvents does to one event, for code that completes events itself (a queue
// filling ids at enqueue). `client.sendEvents` loads the same module at its first call.
export { MAX_EVENT_BYTES, MAX_EVENTS_PER_REQUEST, MAX_ITEMS_PER_REQUEST, assertIdentity, completeEvent } from "./events.js";
