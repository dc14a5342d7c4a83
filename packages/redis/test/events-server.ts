import { createTestServer, json, type TestServer } from "@cdpkit/testkit";

/**
 * A loopback DFINERY events endpoint that stores events by `event_log_id`, the way DFINERY
 * deduplicates: a re-sent id is counted as a duplicate delivery, not stored again. Each test event
 * carries its own number in `event_properties.seq`, so the server can tell whether one event was
 * ever stored under two different ids.
 */
export interface EventsServer {
  readonly url: string;
  readonly server: TestServer;
  /** seq -> the ids it was stored under (exactly one when delivery is effectively once). */
  readonly idsBySeq: Map<number, Set<string>>;
  readonly storedIds: Set<string>;
  /** Deliveries of an id already stored (redeliveries the vendor deduplicated). */
  duplicates: number;
  /** Requests answered 400 because they carried an event named `poison`. */
  rejectedRequests: number;
  /** Answer this many requests of an identity with a 503 before accepting (per external_id). */
  failFirst: Map<string, number>;
  /** While above 0: requests are held without an answer for this long (a slow vendor). */
  holdMs: number;
  close(): Promise<void>;
}

export async function startEventsServer(options: { transientFailureRate?: number } = {}): Promise<EventsServer> {
  const server = await createTestServer();
  const state: EventsServer = {
    url: server.url,
    server,
    idsBySeq: new Map(),
    storedIds: new Set(),
    duplicates: 0,
    rejectedRequests: 0,
    failFirst: new Map(),
    holdMs: 0,
    close: () => server.close(),
  };
  let seed = 11;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  server.route("POST /api/v1/events", (req, res) => {
    if (state.holdMs > 0) return server.hold(res, state.holdMs);
    const body = req.json as {
      common: { identity: { external_id?: string } };
      events: { event_name: string; event_log_id: string; event_properties?: { seq?: number } }[];
    };
    const who = body.common.identity.external_id ?? "";
    const left = state.failFirst.get(who) ?? 0;
    if (left > 0) {
      state.failFirst.set(who, left - 1);
      return json(res, 503, { status: false, code: "50300", message: "SERVICE_UNAVAILABLE" });
    }
    if (options.transientFailureRate && random() < options.transientFailureRate) {
      return json(res, 503, { status: false, code: "50300", message: "SERVICE_UNAVAILABLE" });
    }
    if (body.events.some((e) => e.event_name === "poison")) {
      state.rejectedRequests++;
      return json(res, 400, { status: false, code: "40001", message: "INVALID_EVENT_NAME" });
    }
    for (const event of body.events) {
      if (state.storedIds.has(event.event_log_id)) {
        state.duplicates++;
        continue;
      }
      state.storedIds.add(event.event_log_id);
      const seq = event.event_properties?.seq ?? -1;
      const ids = state.idsBySeq.get(seq) ?? new Set<string>();
      ids.add(event.event_log_id);
      state.idsBySeq.set(seq, ids);
    }
    json(res, 200, { status: true, code: "20000", message: "OK", data: true });
  });
  return state;
}
