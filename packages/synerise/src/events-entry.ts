// @cdpkit/synerise/events: what sendEvents does to one event, for code that completes events itself (a queue
// filling eventSalt at enqueue). The client loads the same module at its first send.
export { MAX_BATCH_BYTES, MAX_EVENTS_PER_BATCH, completeEvent } from "./events.js";
