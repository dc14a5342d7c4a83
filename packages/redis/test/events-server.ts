import type { ServerResponse } from "node:http";
import { createTestServer, json, type RecordedRequest, type TestServer } from "@cdpkit/testkit";

/**
 * A loopback events endpoint that stores events by their idempotency key, the way the vendor
 * deduplicates: a re-sent id is counted as a duplicate delivery, not stored again. Each test event
 * carries its own number (`seq`), so the server can tell whether one event was ever stored under two
 * different ids. One `VendorEndpoint` per vendor says how to read its requests and answer them.
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
  /** Answer this many requests of one profile/visitor with a 503 before accepting (per `who`). */
  failFirst: Map<string, number>;
  /** While above 0: requests are held without an answer for this long (a slow vendor). */
  holdMs: number;
  /** While above 0: requests are stored, then their answer is held this long (a response lost after the vendor took it). */
  holdAfterStoringMs: number;
  close(): Promise<void>;
}

/** One stored event as the server reads it from a request. */
export interface ReceivedEvent {
  readonly id: string;
  readonly seq: number;
  readonly poison: boolean;
}

export interface VendorEndpoint {
  /** The route, e.g. `POST /api/v1/events`. */
  readonly route: string;
  /** Who the request is about (for `failFirst`), and its events. */
  read(req: RecordedRequest): { who: string; events: ReceivedEvent[] };
  accept(res: ServerResponse): void;
  unavailable(res: ServerResponse): void;
  refuse(res: ServerResponse): void;
}

/** DFINERY: one identity per request, events in JSON, deduplicated by `event_log_id`; seq in `event_properties`. */
export const dfineryEndpoint: VendorEndpoint = {
  route: "POST /api/v1/events",
  read: (req) => {
    const body = req.json as {
      common: { identity: { external_id?: string } };
      events: { event_name: string; event_log_id: string; event_properties?: { seq?: number } }[];
    };
    return {
      who: body.common.identity.external_id ?? "",
      events: body.events.map((e) => ({ id: e.event_log_id, seq: e.event_properties?.seq ?? -1, poison: e.event_name === "poison" })),
    };
  },
  accept: (res) => json(res, 200, { status: true, code: "20000", message: "OK", data: true }),
  unavailable: (res) => json(res, 503, { status: false, code: "50300", message: "SERVICE_UNAVAILABLE" }),
  refuse: (res) => json(res, 400, { status: false, code: "40001", message: "INVALID_EVENT_NAME" }),
};

const syneriseError = (status: number, error: string, message: string) => ({
  timestamp: new Date().toISOString(),
  status,
  error,
  message,
  path: "/v4/events/batch",
});

/** Synerise: a JSON array of events, each naming its profile; deduplicated by `eventSalt`; seq in `params`. */
export const syneriseEndpoint: VendorEndpoint = {
  route: "POST /v4/events/batch",
  read: (req) => {
    const events = req.json as { action?: string; eventSalt: string; client: { customId?: string }; params?: { seq?: number } }[];
    return {
      who: events[0]?.client.customId ?? "",
      events: events.map((e) => ({ id: e.eventSalt, seq: e.params?.seq ?? -1, poison: e.action === "poison" })),
    };
  },
  accept: (res) => void (res.writeHead(202), res.end()),
  unavailable: (res) => json(res, 503, syneriseError(503, "Service Unavailable", "try later")),
  refuse: (res) => json(res, 400, syneriseError(400, "Bad Request", "action poison is not allowed")),
};

/** Kameleoon: one event per line (URL-encoded), the visitor/product per line or once in the query; deduplicated by `nonce`. */
export function kameleoonEndpoint(path: "/visit/events" | "/product/events", idField: "visitorCode" | "ean"): VendorEndpoint {
  return {
    route: `POST ${path}`,
    read: (req) => {
      const lines = req.body.split("\n").map((line) => new URLSearchParams(line));
      return {
        who: req.query.get(idField) ?? lines[0]?.get(idField) ?? "",
        events: lines.map((l) => ({ id: l.get("nonce") ?? "", seq: Number(l.get("seq") ?? -1), poison: l.get("eventType") === "poison" })),
      };
    },
    accept: (res) => void (res.writeHead(204), res.end()),
    unavailable: (res) => void (res.writeHead(503), res.end()),
    refuse: (res) => void (res.writeHead(400, { "content-type": "text/plain" }), res.end("Unknown eventType: poison")),
  };
}

export async function startEventsServer(options: { endpoint?: VendorEndpoint; transientFailureRate?: number } = {}): Promise<EventsServer> {
  const endpoint = options.endpoint ?? dfineryEndpoint;
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
    holdAfterStoringMs: 0,
    close: () => server.close(),
  };
  let seed = 11;
  const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  server.route(endpoint.route, (req, res) => {
    if (state.holdMs > 0) return server.hold(res, state.holdMs);
    const { who, events } = endpoint.read(req);
    const left = state.failFirst.get(who) ?? 0;
    if (left > 0) {
      state.failFirst.set(who, left - 1);
      return endpoint.unavailable(res);
    }
    if (options.transientFailureRate && random() < options.transientFailureRate) return endpoint.unavailable(res);
    if (events.some((e) => e.poison)) {
      state.rejectedRequests++;
      return endpoint.refuse(res);
    }
    for (const event of events) {
      if (state.storedIds.has(event.id)) {
        state.duplicates++;
        continue;
      }
      state.storedIds.add(event.id);
      const ids = state.idsBySeq.get(event.seq) ?? new Set<string>();
      ids.add(event.id);
      state.idsBySeq.set(event.seq, ids);
    }
    if (state.holdAfterStoringMs > 0) return server.hold(res, state.holdAfterStoringMs);
    endpoint.accept(res);
  });
  return state;
}
