import {
  CdpkitError,
  InvalidInputError,
  type BatchPlan,
  type BatchRunOptions,
  type InvalidInputIssue,
  type ItemOutcome,
} from "@cdpkit/core";
import { InvalidItem, runBatches } from "@cdpkit/core/batch";
import { type DfineryEventInput, type DfineryIdentity } from "@cdpkit/dfinery";
import { assertIdentity } from "@cdpkit/dfinery/events";
import type { ProductEvent, VisitEvent } from "@cdpkit/kameleoon";
import type { SyneriseEvent } from "@cdpkit/synerise";
import { UsageError } from "./exit.js";
import { canonicalJson, type RecordIds } from "./ids.js";
import type { VendorClients, VendorName } from "./vendors.js";

/** How one import runs: what the command hands every kind. */
export interface KindRun {
  readonly concurrency: number;
  readonly signal: AbortSignal;
  /** `--common`: body fields sent with every request (Altcraft `db_id`). */
  readonly common: Record<string, unknown>;
  /** Each record's fate, by its position in the stream the kind was given. */
  readonly onItemSettled: (outcome: ItemOutcome) => void;
  /** Each request settled (counted in the summary). */
  readonly onRequest: () => void;
}

/** One thing `cdpkit import <vendor> <kind>` can load, on the vendor's batch helper. */
export interface ImportKind<V extends VendorName = VendorName> {
  readonly vendor: V;
  readonly name: string;
  readonly summary: string;
  /** What one input record is. */
  readonly record: string;
  /** One NDJSON line, for the help. */
  readonly example: string;
  /** Fields `--common` must give. */
  readonly requiredCommon?: readonly string[];
  /** Fills the key the vendor deduplicates on when the record has none (a copy), so a re-sent record keeps its id. */
  withIds?(record: unknown, ids: RecordIds): unknown;
  send(client: VendorClients[V], records: AsyncIterable<unknown>, run: KindRun): Promise<unknown>;
  /** The answer the vendor gives an accepted request of this kind: `--dry-run` answers with it in process. */
  readonly dryRunAnswer: { readonly status: number; readonly body?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** A copy of `record` with `field` set by `make` when it is absent (never replacing what the user gave). */
function withField(record: unknown, field: string, make: () => string): unknown {
  return isObject(record) && record[field] === undefined ? { ...record, [field]: make() } : record;
}

function batchOptions(run: KindRun): Pick<BatchRunOptions, "signal" | "onItemSettled" | "onRequest" | "keepAccepted" | "concurrency"> {
  return {
    signal: run.signal,
    onItemSettled: run.onItemSettled,
    onRequest: run.onRequest,
    keepAccepted: false,
    concurrency: run.concurrency,
  };
}

/** Settles a record the kind refuses before any helper sees it. */
function refuse(run: KindRun, position: number, item: unknown, vendor: string, issues: InvalidInputIssue[]): void {
  const error = new InvalidInputError({ vendor, message: issues.map((i) => `${i.path} ${i.message}`).join("; "), issues });
  run.onItemSettled({ position, accepted: false, item, error });
}

/** DFINERY groups a request's events under one identity: this many records are grouped at a time. */
export const DFINERY_GROUPING_WINDOW = 10_000;
const DFINERY_OK = { status: 200, body: { status: true, code: "20000", message: "OK", data: true } };

/**
 * DFINERY events: `{identity, event}` per record. Records are taken in windows of 10,000; within a
 * window, the events of one identity go through one `sendEvents` call (requests of up to 100 events),
 * up to `--concurrency` identities at once. Sorting the input by identity gives the fullest requests.
 */
const dfineryEvents: ImportKind<"dfinery"> = {
  vendor: "dfinery",
  name: "events",
  summary: "events, each with the identity it belongs to (POST /api/v1/events via sendEvents)",
  record:
    "{identity: {external_id | email | phone_no | kakao_user_id | line_user_id}, event: {event_name, event_datetime?, event_log_id?, event_properties?, event_items?}}",
  example: '{"identity":{"external_id":"u-1"},"event":{"event_name":"df_purchase","event_properties":{"price":12.5}}}',
  withIds: (record, ids) =>
    isObject(record) && isObject(record.event) ? { ...record, event: withField(record.event, "event_log_id", ids.uuid) } : record,
  dryRunAnswer: DFINERY_OK,
  async send(client, records, run) {
    type Entry = { position: number; identity: DfineryIdentity; event: DfineryEventInput };
    let window: Entry[] = [];
    const flush = async (): Promise<void> => {
      const groups = new Map<string, Entry[]>();
      for (const entry of window) {
        const key = canonicalJson(entry.identity);
        const group = groups.get(key);
        if (group) group.push(entry);
        else groups.set(key, [entry]);
      }
      window = [];
      const queue = [...groups.values()];
      const worker = async (): Promise<void> => {
        for (let group = queue.shift(); group; group = queue.shift()) {
          const positions = group.map((e) => e.position);
          await client.sendEvents(
            group[0]!.identity,
            group.map((e) => e.event),
            {
              signal: run.signal,
              keepAccepted: false,
              concurrency: 1,
              onRequest: run.onRequest,
              onItemSettled: (outcome) => run.onItemSettled({ ...outcome, position: positions[outcome.position]! }),
            },
          );
        }
      };
      await Promise.all(Array.from({ length: Math.min(run.concurrency, queue.length) }, worker));
    };
    let position = 0;
    for await (const record of records) {
      const at = position++;
      if (!isObject(record) || !isObject(record.event)) {
        refuse(run, at, record, "dfinery", [{ path: "record", message: "must be {identity, event} with event an object" }]);
        continue;
      }
      try {
        assertIdentity(record.identity, "record");
      } catch (error) {
        run.onItemSettled({ position: at, accepted: false, item: record, error: error as CdpkitError });
        continue;
      }
      window.push({ position: at, identity: record.identity, event: record.event as DfineryEventInput });
      if (window.length >= DFINERY_GROUPING_WINDOW) await flush();
    }
    await flush();
  },
};

/** One record per request, for DFINERY's single-user operations (idempotent: they set state at request_datetime). */
function dfineryOneByOne(
  name: string,
  path: "/api/v1/user-profile" | "/api/v1/identities",
  summary: string,
  record: string,
  example: string,
): ImportKind<"dfinery"> {
  return {
    vendor: "dfinery",
    name,
    summary,
    record,
    example,
    dryRunAnswer: DFINERY_OK,
    send: (client, records, run) => {
      const plan: BatchPlan<unknown, Record<string, unknown>> = {
        vendor: "dfinery",
        itemName: name.replace(/s$/, ""),
        limits: { maxItems: 1 },
        prepare: (given, position) => {
          if (!isObject(given)) return InvalidItem.at(`${name}[${position}]`, ["must be an object"]);
          try {
            assertIdentity(given.identity, `${name}[${position}]`);
          } catch (error) {
            return new InvalidItem((error as InvalidInputError).issues ?? []);
          }
          return given.request_datetime === undefined ? { ...given, request_datetime: new Date().toISOString() } : given;
        },
        send: async (batch, signal) => {
          await client.POST(path, { body: batch.entries[0]!.item as never, signal });
        },
      };
      return runBatches(records, plan, batchOptions(run));
    },
  };
}

/** Synerise `POST /v4/clients/batch`: at most 1000 profiles and 1 MB per request, one identifier each. */
const SYNERISE_PROFILE_IDS = ["email", "phone", "customId", "uuid", "clientId"];
const syneriseProfiles: ImportKind<"synerise"> = {
  vendor: "synerise",
  name: "profiles",
  summary: "add or update profiles (POST /v4/clients/batch, 1000 per request)",
  record: "a profile: {email | phone | customId | uuid | clientId, firstName?, attributes?, ...} (omit a field to keep it; null clears it)",
  example: '{"customId":"c-1","email":"ann@example.com","firstName":"Ann"}',
  dryRunAnswer: { status: 202 },
  send: (client, records, run) =>
    runBatches(
      records,
      {
        vendor: "synerise",
        itemName: "profile",
        limits: { maxItems: 1000, maxBytes: 1_000_000 },
        prepare: (given, position) => {
          if (!isObject(given)) return InvalidItem.at(`profiles[${position}]`, ["must be an object"]);
          if (!SYNERISE_PROFILE_IDS.some((k) => given[k] !== undefined && given[k] !== null && given[k] !== "")) {
            return InvalidItem.at(`profiles[${position}]`, [`needs one of ${SYNERISE_PROFILE_IDS.join(", ")}`]);
          }
          return given;
        },
        send: async (batch, signal) => {
          // An upsert by identifier: sending the same profiles again leaves the same state.
          await client.POST("/v4/clients/batch", {
            body: `[${batch.entries.map((e) => e.text).join(",")}]` as never,
            signal,
            safeToRepeat: true,
          } as never);
        },
      },
      batchOptions(run),
    ),
};

const syneriseEvents: ImportKind<"synerise"> = {
  vendor: "synerise",
  name: "events",
  summary: "events (POST /v4/events/batch via sendEvents: 1000 events / 1 MB per request, one identifier type each)",
  record: "an event: {type, label, action?, client: {id | uuid | customId | email}, time?, eventSalt?, params?}",
  example: '{"type":"custom","label":"Purchase","action":"purchase.made","client":{"customId":"c-1"},"params":{"value":12.5}}',
  withIds: (record, ids) => withField(record, "eventSalt", ids.uuid),
  dryRunAnswer: { status: 202 },
  send: (client, records, run) => client.sendEvents(records as AsyncIterable<SyneriseEvent>, batchOptions(run)),
};

const kameleoonEvents = (
  name: string,
  helper: "sendVisitEvents" | "sendProductEvents",
  summary: string,
  record: string,
  example: string,
): ImportKind<"kameleoon"> => ({
  vendor: "kameleoon",
  name,
  summary,
  record,
  example,
  withIds: (given, ids) => withField(given, "nonce", () => ids.hex(16)),
  dryRunAnswer: { status: 204 },
  send: (client, records, run) =>
    helper === "sendVisitEvents"
      ? client.sendVisitEvents(records as AsyncIterable<VisitEvent>, batchOptions(run))
      : client.sendProductEvents(records as AsyncIterable<ProductEvent>, batchOptions(run)),
});

const altcraftBatch = (
  name: string,
  path: "/api/v1.1/profiles/add_batch/" | "/api/v1.1/profiles/update_batch",
  summary: string,
  requiredCommon: string[],
  example: string,
): ImportKind<"altcraft"> => ({
  vendor: "altcraft",
  name,
  summary,
  record: "a profile data object (fields of the database, subscriptions as {channel, email_data: {email}, resource_id})",
  example,
  requiredCommon,
  dryRunAnswer: { status: 200, body: { error: 0, error_text: "", result: [] } },
  send: (client, records, run) => client.sendBatch("POST", path, records as AsyncIterable<never>, run.common as never, batchOptions(run)),
});

export const KINDS: readonly ImportKind[] = [
  dfineryEvents,
  dfineryOneByOne(
    "user-profiles",
    "/api/v1/user-profile",
    "user properties, one user per request (POST /api/v1/user-profile)",
    "{identity: {external_id | ...}, user_properties: {...}, request_datetime?}",
    '{"identity":{"external_id":"u-1"},"user_properties":{"df_gender":"Female"}}',
  ),
  dfineryOneByOne(
    "identities",
    "/api/v1/identities",
    "identity links, one user per request (POST /api/v1/identities)",
    "{identity: {external_id, email?, phone_no?, ...}, request_datetime?}",
    '{"identity":{"external_id":"u-1","email":"ann@example.com"}}',
  ),
  syneriseEvents,
  syneriseProfiles,
  kameleoonEvents(
    "visit-events",
    "sendVisitEvents",
    "visit events (POST /visit/events via sendVisitEvents, 1 MB per request)",
    "{eventType, visitorCode, nonce?, ...the event's parameters}",
    '{"eventType":"CONVERSION","visitorCode":"v-1","goalId":123,"revenue":12.5}',
  ),
  kameleoonEvents(
    "product-events",
    "sendProductEvents",
    "product events (POST /product/events via sendProductEvents, 1 MB per request)",
    "{eventType: PRODUCTPAGE | PRODUCTADDTOCART | PRODUCTBUY, ean, nonce?, ...}",
    '{"eventType":"PRODUCTBUY","ean":"4006381333931","quantity":1}',
  ),
  altcraftBatch(
    "profiles",
    "/api/v1.1/profiles/add_batch/",
    "add profiles (POST profiles/add_batch/, 10,000 / 10 MB per request; needs --common '{\"db_id\":1}')",
    ["db_id"],
    '{"email":"ann@example.com","_fname":"Ann"}',
  ),
  altcraftBatch(
    "profiles-update",
    "/api/v1.1/profiles/update_batch",
    'update profiles (POST profiles/update_batch; needs --common \'{"db_id":1,"matching":"email"}\')',
    ["db_id"],
    '{"email":"ann@example.com","_fname":"Ann"}',
  ),
];

export function kindsOf(vendor: VendorName): ImportKind[] {
  return KINDS.filter((k) => k.vendor === vendor);
}

export function importKind(vendor: VendorName, name: string): ImportKind {
  const kind = KINDS.find((k) => k.vendor === vendor && k.name === name);
  if (!kind) {
    throw new UsageError(
      `${vendor} has no import kind "${name}" (one of ${kindsOf(vendor)
        .map((k) => k.name)
        .join(", ")})`,
    );
  }
  return kind;
}
