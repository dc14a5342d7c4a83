// Every request and response example of the DFINERY docs must validate against our spec
// (DESIGN.md, "Tests"). Two sources are checked: the examples attached to the spec, and the docs'
// examples hard-coded below, so that dropping an example from the spec cannot pass silently.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import Ajv2020Module from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { DOCS_EVENT_CSV_LINES, DOCS_USER_PROFILE_CSV_LINES } from "./docs-csv.js";
import type { ValidateFunction } from "ajv";

// ajv and ajv-formats are CommonJS; under NodeNext the default import is `module.exports`, whose
// `.default` is the real export.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SPEC_ID = "https://cdpkit.local/specs/dfinery/openapi.yaml";
const spec = parse(readFileSync(new URL("../../../specs/dfinery/openapi.yaml", import.meta.url), "utf8")) as JsonObject;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ ...spec, $id: SPEC_ID });

const compiled = new Map<string, ValidateFunction>();
/** A validator for the schema at `pointer` (a JSON pointer into the spec, e.g. `/components/schemas/Identity`). */
function validatorAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (!validate) {
    validate = ajv.compile({ $ref: `${SPEC_ID}#${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

function errorsOf(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? "" : ajv.errorsText(validate.errors, { separator: "\n" });
}

const escapePointer = (token: string): string => token.replace(/~/g, "~0").replace(/\//g, "~1");

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows `#/components/...` refs inside the spec; returns the target and its JSON pointer. */
function deref(value: Json | undefined, pointer: string): { value: Json | undefined; pointer: string } {
  let current = value;
  let at = pointer;
  while (isObject(current) && typeof current.$ref === "string") {
    const ref = current.$ref;
    if (!ref.startsWith("#/")) throw new Error(`unsupported $ref ${ref} at ${at}`);
    at = ref.slice(1);
    current = at
      .slice(1)
      .split("/")
      .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"))
      .reduce<Json | undefined>((node, token) => (isObject(node) ? node[token] : undefined), spec);
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return { value: current, pointer: at };
}

interface AttachedExample {
  where: string;
  mediaType: string;
  schemaPointer: string;
  value: Json;
}

/** Every example attached to a request body or a response (content and headers) of every operation. */
function collectExamples(): AttachedExample[] {
  const found: AttachedExample[] = [];
  const fromContent = (where: string, content: Json | undefined, base: string): void => {
    if (!isObject(content)) return;
    for (const [mediaType, media] of Object.entries(content)) {
      if (!isObject(media) || !isObject(media.schema)) continue;
      const schemaPointer = `${base}/content/${escapePointer(mediaType)}/schema`;
      if (media.example !== undefined) found.push({ where, mediaType, schemaPointer, value: media.example });
      for (const [name, ex] of Object.entries(isObject(media.examples) ? media.examples : {})) {
        const example = deref(ex, `${base}/examples/${name}`).value;
        if (isObject(example) && example.value !== undefined) {
          found.push({ where: `${where} ${mediaType} ${name}`, mediaType, schemaPointer, value: example.value });
        }
      }
    }
  };
  const fromHeaders = (where: string, headers: Json | undefined): void => {
    if (!isObject(headers)) return;
    for (const [name, ref] of Object.entries(headers)) {
      const { value: header, pointer } = deref(ref, "");
      if (!isObject(header)) continue;
      const schemaPointer = `${pointer}/schema`;
      if (header.example !== undefined) {
        found.push({ where: `${where} header ${name}`, mediaType: "header", schemaPointer, value: header.example });
      }
      for (const [exName, ex] of Object.entries(isObject(header.examples) ? header.examples : {})) {
        const example = deref(ex, "").value;
        if (isObject(example) && example.value !== undefined) {
          found.push({ where: `${where} header ${name} ${exName}`, mediaType: "header", schemaPointer, value: example.value });
        }
      }
    }
  };

  for (const [path, item] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
    if (!isObject(item)) continue;
    for (const [method, op] of Object.entries(item)) {
      if (!isObject(op)) continue;
      const opPointer = `/paths/${escapePointer(path)}/${method}`;
      const opName = String(op.operationId);
      const body = deref(op.requestBody, `${opPointer}/requestBody`);
      if (isObject(body.value)) fromContent(`${opName} request`, body.value.content, body.pointer);
      for (const [status, ref] of Object.entries(isObject(op.responses) ? op.responses : {})) {
        const response = deref(ref, `${opPointer}/responses/${status}`);
        if (!isObject(response.value)) continue;
        fromContent(`${opName} ${status}`, response.value.content, response.pointer);
        fromHeaders(`${opName} ${status}`, response.value.headers);
      }
    }
  }
  return found;
}

const attached = collectExamples();

// ---------------------------------------------------------------------------------------------
// The docs' examples, copied from the seed text (docs.dfinery.ai api-guide). The scraped seed shows
// the obfuscated address "[email protected]"; it is kept verbatim.
const docs = {
  eventsRequest: {
    common: { identity: { external_id: "dfn-user-123", email: "[email protected]" } },
    events: [
      {
        event_log_id: "b0c9cf18-f3c0-4879-bb2e-92c65858dabc",
        event_name: "df_login",
        event_datetime: "2024-06-24T06:01:48.501Z",
        event_properties: null,
        event_items: null,
      },
      {
        event_log_id: "464bc021-9c56-481e-8ee8-3bf06de7c418",
        event_name: "df_purchase",
        event_datetime: "2024-06-24T06:42:25.394Z",
        event_properties: {
          df_order_id: "dwtfmoe",
          df_delivery_charge: 1000,
          df_payment_method: "card",
          df_total_purchase_amount: 4000,
        },
        event_items: [{ df_item_id: "1", df_item_name: "item1", df_price: 3000, df_quantity: 1, df_discount: 0 }],
      },
    ],
  },
  identitiesRequest: {
    identity: { external_id: "dfn-user-123", email: "[email protected]", phone_no: "821012345678" },
    request_datetime: "2024-06-24T06:01:48.501Z",
  },
  identitiesDeleteRequest: {
    identity: { external_id: "dfn-user-123" },
    request_datetime: "2025-05-13T06:01:48.501Z",
  },
  userProfileRequest: {
    identity: { external_id: "dfn-user-123" },
    user_properties: { df_gender: "Female" },
    request_datetime: "2024-05-14T06:05:46.363Z",
  },
  exportEventRequest: {
    events: ["df_purchase"],
    events_condition_type: "include",
    properties: ["df_discount", "df_items_df_price"],
    properties_condition_type: "include",
    from_date: "2024-08-25",
    to_date: "2024-08-26",
  },
  exportUserProfileRequest: {
    audience: "nwh3nu",
    properties_condition_type: "exclude",
    properties: ["df_birth"],
    identities: ["df_external_id"],
    identities_condition_type: "include",
  },
  importOk: { status: true, code: "20000", message: "OK", data: true },
  importTooManyEvents: { status: false, code: "40402", message: "TOO_MANY_EVENTS", data: true },
  importOkNumeric: { status: true, code: 20000, message: "OK", data: null },
  importValidationFailure: { status: false, code: 40001, message: "VALIDATION_FAILURE", data: null },
  importInternalServerError: { status: false, code: 50000, message: "INTERNAL_SERVER_ERROR", data: null },
  exportExceedDateRangeLimit: { result: "fail", message: "exceed_date_range_limit" },
  exportUnknownError: { result: "fail", message: "unknown_error" },
} satisfies Record<string, Json>;

/** Where each docs example belongs: operation, status ('request' for the body) and media type. */
const docsPlacement: Record<keyof typeof docs, { op: string; status: string; mediaType: string }[]> = {
  eventsRequest: [{ op: "sendEvents", status: "request", mediaType: "application/json" }],
  identitiesRequest: [{ op: "upsertIdentity", status: "request", mediaType: "application/json" }],
  identitiesDeleteRequest: [{ op: "deleteIdentity", status: "request", mediaType: "application/json" }],
  userProfileRequest: [{ op: "updateUserProfile", status: "request", mediaType: "application/json" }],
  exportEventRequest: [{ op: "exportEvents", status: "request", mediaType: "application/json" }],
  exportUserProfileRequest: [{ op: "exportUserProfiles", status: "request", mediaType: "application/json" }],
  importOk: importOps("200"),
  importTooManyEvents: [{ op: "sendEvents", status: "200", mediaType: "application/json" }],
  importOkNumeric: importOps("200"),
  importValidationFailure: importOps("200"),
  importInternalServerError: importOps("200"),
  exportExceedDateRangeLimit: [{ op: "exportEvents", status: "400", mediaType: "application/json" }],
  exportUnknownError: exportOps("500"),
};

function importOps(status: string): { op: string; status: string; mediaType: string }[] {
  return ["sendEvents", "upsertIdentity", "deleteIdentity", "updateUserProfile"].map((op) => ({
    op,
    status,
    mediaType: "application/json",
  }));
}
function exportOps(status: string): { op: string; status: string; mediaType: string }[] {
  return ["exportEvents", "exportUserProfiles"].map((op) => ({ op, status, mediaType: "application/json" }));
}

// The docs' rate-limit headers: `HTTP/2 200` and `HTTP/2 429` curl outputs.
const docsHeaders = {
  "200": { "x-ratelimit-limit": "1d", "x-ratelimit-remaining": 99999, "x-ratelimit-reset": 1682593200268 },
  "429": { "x-ratelimit-limit": "1d", "x-ratelimit-remaining": 0, "x-ratelimit-reset": 1682640000000 },
} as const;

// First lines of the docs' CSV samples.
const docsCsvHeaders = {
  exportEvents:
    "custom_012,custom_event_p_boolean,custom_event_p_datetime,custom_event_p_double,custom_event_p_double_list,custom_event_p_long,custom_event_p_long_list,custom_event_p_string_list,df_api_version,df_correction_datetime,df_delivery_charge,df_discount,df_event_datetime,df_event_detail_log_id,df_event_log_id,df_event_name,df_items_custom_012391239128,df_items_custom_item_boolean,df_items_custom_item_datetime,df_items_custom_item_double,df_items_custom_item_double_list,df_items_custom_item_long,df_items_custom_item_long_list,df_items_custom_item_string,df_items_custom_item_string_list,df_items_df_category1,df_items_df_category2,df_items_df_category3,df_items_df_category4,df_items_df_category5,df_items_df_discount,df_items_df_item_id,df_items_df_item_name,df_items_df_price,df_items_df_quantity,df_keyword,df_order_id,df_payment_method,df_server_datetime,df_service_id,df_sharing_channel,df_sign_channel,df_source_type,df_total_purchase_amount,df_total_refund_amount,df_unified_id,sum",
  exportUserProfiles:
    "custom_user_datetime,df_gender,df_kakao_ads_optin,df_membership,df_push_ads_optin,df_push_night_ads_optin,df_push_optin,df_sms_ads_optin,df_unified_id,scenario_list_string",
} as const;

// ---------------------------------------------------------------------------------------------
const operations = new Map<string, { pointer: string; op: JsonObject }>();
for (const [path, item] of Object.entries(isObject(spec.paths) ? spec.paths : {})) {
  for (const [method, op] of Object.entries(isObject(item) ? item : {})) {
    if (isObject(op) && typeof op.operationId === "string") {
      operations.set(op.operationId, { pointer: `/paths/${escapePointer(path)}/${method}`, op });
    }
  }
}

/** The schema pointer of an operation's request body or response content. */
function schemaPointerOf(opId: string, status: string, mediaType: string): string {
  const entry = operations.get(opId);
  if (!entry) throw new Error(`no operation ${opId}`);
  const target =
    status === "request"
      ? deref(entry.op.requestBody, `${entry.pointer}/requestBody`)
      : deref(isObject(entry.op.responses) ? entry.op.responses[status] : undefined, `${entry.pointer}/responses/${status}`);
  if (!isObject(target.value)) throw new Error(`${opId} has no ${status}`);
  return `${target.pointer}/content/${escapePointer(mediaType)}/schema`;
}

/** The example values attached to one operation/status/media type in the spec. */
function attachedValues(opId: string, status: string, mediaType: string): Json[] {
  const where = status === "request" ? `${opId} request ${mediaType} ` : `${opId} ${status} ${mediaType} `;
  return attached.filter((e) => e.where.startsWith(where)).map((e) => e.value);
}

const schema = (name: string): ValidateFunction => validatorAt(`/components/schemas/${name}`);

describe("the spec", () => {
  it("defines the six operations with their stable ids and paths", () => {
    const paths = Object.fromEntries([...operations].map(([id, { pointer }]) => [id, pointer]));
    expect(paths).toEqual({
      sendEvents: "/paths/~1api~1v1~1events/post",
      upsertIdentity: "/paths/~1api~1v1~1identities/post",
      deleteIdentity: "/paths/~1api~1v1~1identities~1delete/post",
      updateUserProfile: "/paths/~1api~1v1~1user-profile/post",
      exportEvents: "/paths/~1api~1v1~1export~1event/post",
      exportUserProfiles: "/paths/~1api~1v1~1export~1userprofile/post",
    });
  });

  it("has examples attached (guards the collector itself)", () => {
    expect(attached.length).toBeGreaterThanOrEqual(30);
    expect(attached.filter((e) => e.mediaType === "text/csv")).toHaveLength(2);
  });
});

describe("every example attached to the spec validates against its schema", () => {
  const json = attached.filter((e) => e.mediaType !== "text/csv");
  it.each(json.map((e) => [e.where, e] as const))("%s", (_where, example) => {
    expect(errorsOf(validatorAt(example.schemaPointer), example.value)).toBe("");
  });
});

describe("the CSV examples", () => {
  for (const [opId, header] of Object.entries(docsCsvHeaders)) {
    it(`${opId}: text/csv example starts with the docs' header row containing df_unified_id`, () => {
      const values = attachedValues(opId, "200", "text/csv");
      expect(values).toHaveLength(1);
      const csv = values[0];
      expect(typeof csv).toBe("string");
      expect(errorsOf(validatorAt(schemaPointerOf(opId, "200", "text/csv")), csv)).toBe("");
      const firstLine = String(csv).split("\n")[0] ?? "";
      expect(firstLine.split(",")).toContain("df_unified_id");
      expect(firstLine).toBe(header);
    });
  }

  it("both CSV examples are the docs samples, every data row included", () => {
    const lines = (opId: string) =>
      String(attachedValues(opId, "200", "text/csv")[0])
        .trimEnd()
        .split("\n");
    for (const [opId, docs] of [
      ["exportEvents", DOCS_EVENT_CSV_LINES],
      ["exportUserProfiles", DOCS_USER_PROFILE_CSV_LINES],
    ] as const) {
      const ours = lines(opId);
      expect(ours).toHaveLength(docs.length);
      ours.forEach((line, i) => expect(line, `${opId} line ${i + 1}`).toBe(docs[i]));
    }
  });

  it("the event CSV has the ten documented rows with as many cells as the header", () => {
    const lines = String(attachedValues("exportEvents", "200", "text/csv")[0])
      .trimEnd()
      .split("\n");
    expect(lines).toHaveLength(11);
    const width = (lines[0] ?? "").split(",").length;
    for (const line of lines) expect(line.split(",")).toHaveLength(width);
  });
});

describe("the docs examples (hard-coded) validate and are attached to the spec", () => {
  for (const [name, placements] of Object.entries(docsPlacement) as [keyof typeof docs, (typeof docsPlacement)[keyof typeof docs]][]) {
    for (const { op, status, mediaType } of placements) {
      it(`${name} -> ${op} ${status}`, () => {
        const value = docs[name];
        expect(errorsOf(validatorAt(schemaPointerOf(op, status, mediaType)), value)).toBe("");
        expect(attachedValues(op, status, mediaType)).toContainEqual(value);
      });
    }
  }

  for (const [status, headers] of Object.entries(docsHeaders)) {
    it(`rate-limit headers of the docs' HTTP ${status} example are attached and valid`, () => {
      for (const [opId] of operations) {
        for (const [name, value] of Object.entries(headers)) {
          const found = attached.filter((e) => e.where.startsWith(`${opId} ${status} header ${name}`));
          expect(
            found.map((e) => e.value),
            `${opId} ${status} ${name}`,
          ).toContainEqual(value);
          for (const e of found) expect(errorsOf(validatorAt(e.schemaPointer), value)).toBe("");
        }
      }
    });
  }
});

describe("the schemas reject what the docs forbid", () => {
  const identity = schema("Identity");
  const events = schema("EventsRequest");
  const importResponse = schema("ImportResponse");
  const event = docs.eventsRequest.events[0];

  it("an identity with no keys", () => {
    expect(identity({})).toBe(false);
    expect(identity({ unknown_key: "x" })).toBe(false);
    expect(identity({ external_id: "dfn-user-123" })).toBe(true);
    expect(identity({ kakao_user_id: "k" })).toBe(true);
  });

  it("a phone number with + or a local leading zero", () => {
    expect(identity({ phone_no: "+821012345678" })).toBe(false);
    expect(identity({ phone_no: "01012345678" })).toBe(false);
  });

  it("101 events, and 0 events", () => {
    expect(events({ ...docs.eventsRequest, events: Array.from({ length: 100 }, () => event) })).toBe(true);
    expect(events({ ...docs.eventsRequest, events: Array.from({ length: 101 }, () => event) })).toBe(false);
    expect(events({ ...docs.eventsRequest, events: [] })).toBe(false);
  });

  it("an event with 101 items", () => {
    const withItems = (n: number): unknown => ({
      ...docs.eventsRequest,
      events: [{ ...event, event_items: Array.from({ length: n }, (_, i) => ({ df_item_id: String(i) })) }],
    });
    expect(events(withItems(100))).toBe(true);
    expect(events(withItems(101))).toBe(false);
  });

  it("a request without common.identity", () => {
    expect(events({ events: docs.eventsRequest.events })).toBe(false);
    expect(events({ common: {}, events: docs.eventsRequest.events })).toBe(false);
  });

  it("a code outside the documented list, as string or number", () => {
    expect(importResponse({ ...docs.importOk, code: "40499" })).toBe(false);
    expect(importResponse({ ...docs.importOk, code: 40499 })).toBe(false);
    expect(importResponse({ ...docs.importOk, code: "OK" })).toBe(false);
    for (const code of [20000, 40000, 40001, 40101, 40201, 40401, 40402, 40403, 50000]) {
      expect(importResponse({ ...docs.importOk, code })).toBe(true);
      expect(importResponse({ ...docs.importOk, code: String(code) })).toBe(true);
    }
  });

  it("a datetime without timezone (and other malformed datetimes)", () => {
    const datetime = schema("Datetime");
    expect(datetime("2024-06-24T06:01:48.501Z")).toBe(true);
    expect(datetime("2024-06-24T06:01:48Z")).toBe(true);
    expect(datetime("2024-06-24T06:01:48.501")).toBe(false);
    expect(datetime("2024-06-24T06:01:48")).toBe(false);
    expect(datetime("2024-06-24 06:01:48.501Z")).toBe(false);
    expect(datetime("2024-13-24T06:01:48.501Z")).toBe(false);
    expect(events({ ...docs.eventsRequest, events: [{ ...event, event_datetime: "2024-06-24T06:01:48.501" }] })).toBe(false);
  });

  it("a malformed export date and an unknown condition type", () => {
    const exportEvent = schema("ExportEventRequest");
    expect(exportEvent({ ...docs.exportEventRequest, from_date: "2024/08/25" })).toBe(false);
    expect(exportEvent({ ...docs.exportEventRequest, events_condition_type: "some" })).toBe(false);
    const { from_date: _omitted, ...withoutFrom } = docs.exportEventRequest;
    expect(exportEvent(withoutFrom)).toBe(false);
  });

  it("an export error message outside the documented list", () => {
    const exportError = schema("ExportError");
    expect(exportError({ result: "fail", message: "something_else" })).toBe(false);
    expect(exportError({ result: "ok", message: "unknown_error" })).toBe(false);
  });

  it("identities requests without request_datetime", () => {
    expect(schema("IdentityRequest")({ identity: { external_id: "dfn-user-123" } })).toBe(false);
  });
});
