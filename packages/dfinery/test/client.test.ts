import { inspect } from "node:util";
import { describe, expect, inject, it } from "vitest";
import {
  AuthError,
  BadRequestError,
  createDfineryClient,
  InvalidInputError,
  RateLimitError,
  VendorError,
  type DfineryClientOptions,
} from "../src/index.js";

// Every request below crosses real HTTP to a Prism mock of specs/dfinery/openapi.yaml, which
// validates it against the spec (a violation is answered with 400/422 and an sl-violations header).
const IMPORT_TOKEN = "imp-secret-7f3a9c";
const EXPORT_TOKEN = "exp-secret-2b8d41";
const now = "2024-06-24T06:01:48.501Z";
const identity = { external_id: "dfn-user-123", email: "user@example.com" };

function client(overrides: Partial<DfineryClientOptions> = {}) {
  return createDfineryClient({
    serviceId: "svc-1",
    importToken: IMPORT_TOKEN,
    exportToken: EXPORT_TOKEN,
    baseUrl: inject("dfineryMockUrl"),
    retry: false,
    ...overrides,
  });
}

const event = (name = "df_login") => ({
  event_log_id: crypto.randomUUID(),
  event_name: name,
  event_datetime: now,
  event_properties: null,
  event_items: null,
});

describe("typed client against the Prism mock", () => {
  it("POST /api/v1/identities", async () => {
    const { data, error, response } = await client().POST("/api/v1/identities", {
      body: { identity, request_datetime: now },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(200);
    expect(data?.status).toBe(true);
  });

  it("POST /api/v1/identities/delete", async () => {
    const { data, response } = await client().POST("/api/v1/identities/delete", {
      body: { identity: { external_id: "dfn-user-123" }, request_datetime: now },
    });
    expect(response.status).toBe(200);
    expect(data?.status).toBe(true);
  });

  it("POST /api/v1/user-profile", async () => {
    const { data, response } = await client().POST("/api/v1/user-profile", {
      body: { identity, user_properties: { df_gender: "Female", df_push_optin: true }, request_datetime: now },
    });
    expect(response.status).toBe(200);
    expect(data?.status).toBe(true);
  });

  it("POST /api/v1/events", async () => {
    const { data, response } = await client().POST("/api/v1/events", {
      body: { common: { identity }, events: [event(), event("df_purchase")] },
    });
    expect(response.status).toBe(200);
    expect(data?.code === "20000" || data?.code === 20000).toBe(true);
  });

  it("the mock rejects what the spec forbids, so passing calls prove the client sends valid requests", async () => {
    const { error, response } = await client().POST("/api/v1/identities", {
      body: { identity: {}, request_datetime: "yesterday" } as never,
    });
    expect([400, 422]).toContain(response.status);
    expect(response.headers.get("sl-violations")).toBeTruthy();
    expect(error).toBeDefined();
  });

  it("exportEvents streams the CSV as typed rows", async () => {
    const rows = [];
    for await (const row of await client().exportEvents({
      events: ["df_purchase"],
      events_condition_type: "include",
      properties: ["df_discount", "df_items_df_price"],
      properties_condition_type: "include",
      from_date: "2024-08-25",
      to_date: "2024-08-26",
    })) {
      rows.push(row);
    }
    expect(rows).toHaveLength(10);
    expect(rows[0]?.df_event_name).toBe("df_end_session");
    expect(rows[0]?.df_unified_id).toBe("7jPY23Q");
    expect(rows[0]?.df_event_datetime).toBe("2025-01-06T10:35:00.000");
    expect(rows[0]?.custom_event_p_boolean).toBe(false);
    expect(rows[0]?.custom_event_p_double_list).toBeNull();
  });

  it("exportUserProfiles streams the CSV as typed rows", async () => {
    const rows = [];
    for await (const row of await client().exportUserProfiles({
      audience: "nwh3nu",
      properties_condition_type: "exclude",
      properties: ["df_birth"],
      identities: ["df_external_id"],
      identities_condition_type: "include",
    })) {
      rows.push(row);
    }
    expect(rows.map((r) => r.df_unified_id)).toEqual(["ZCUyK5F", "xrx4ib2", "BWCExSV", "uZFjOE3"]);
    expect(rows[0]?.scenario_list_string).toEqual(["1", "2"]);
    expect(rows[0]?.df_push_ads_optin).toBe(true);
  });

  it("HTTP 200 with status:false is thrown as a typed error with the vendor code and name", async () => {
    const err = await client()
      .POST("/api/v1/events", {
        body: { common: { identity }, events: [event()] },
        headers: { Prefer: "example=tooManyEvents" },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VendorError);
    expect((err as VendorError).vendorCode).toBe(40402);
    expect((err as VendorError).vendorMessage).toBe("TOO_MANY_EVENTS");
    expect((err as VendorError).status).toBe(200);
    expect((err as Error).message).toContain("40402");
  });

  it("a 429 with throwOnError is a RateLimitError carrying the reset time", async () => {
    const err = await client({ throwOnError: true })
      .POST("/api/v1/identities", {
        body: { identity, request_datetime: now },
        headers: { Prefer: "code=429" },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).status).toBe(429);
    expect((err as RateLimitError).resetAt).toBe(1682640000000);
  });

  it("without throwOnError a non-2xx comes back as { error, response }", async () => {
    const { data, error, response } = await client().POST("/api/v1/identities", {
      body: { identity, request_datetime: now },
      headers: { Prefer: "code=500" },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(500);
    expect(error).toMatchObject({ status: false });
  });

  it("export errors become typed errors with the vendor's message as code", async () => {
    // Prism serves the success example unless asked: ask the mock for the documented 400 example.
    const c = client();
    c.use({ onRequest: ({ request }) => void request.headers.set("Prefer", "code=400, example=exceedDateRangeLimit") });
    const bad = await c
      .exportEvents({ events_condition_type: "all", from_date: "2024-01-01", to_date: "2024-08-26" })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).vendorCode).toBe("exceed_date_range_limit");
  });

  it("an operation whose token was not configured fails before sending, naming the option", async () => {
    const importOnly = client({ exportToken: undefined });
    const err = await importOnly.exportUserProfiles({ audience: "a" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("exportToken");
  });

  it("Prism answers 401 when the credential is missing: the client always sends the right one", async () => {
    // A transport that strips the header the client set proves Prism checks it.
    let sent: string | null = "unset";
    const c = client({
      throwOnError: true,
      fetch: (url: string, init: RequestInit) => {
        const headers = new Headers(init.headers);
        headers.delete("access_token");
        sent = headers.get("access_token");
        return globalThis.fetch(url, { ...init, headers });
      },
    });
    const err = await c.POST("/api/v1/identities", { body: { identity, request_datetime: now } }).catch((e: unknown) => e);
    expect(sent).toBeNull();
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).status).toBe(401);
  });

  it("a per-call fetch is refused with a typed error instead of silently bypassing auth and policies", async () => {
    const err = await client()
      .POST("/api/v1/identities", { body: { identity, request_datetime: now }, fetch: globalThis.fetch })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toContain("createDfineryClient");
  });

  it("no token appears in any error, however it is printed", async () => {
    const c = client({ throwOnError: true });
    const errors: unknown[] = [];
    errors.push(
      await c.POST("/api/v1/identities", { body: { identity, request_datetime: now }, headers: { Prefer: "code=500" } }).catch((e) => e),
    );
    errors.push(
      await c
        .POST("/api/v1/events", { body: { common: { identity }, events: [event()] }, headers: { Prefer: "example=tooManyEvents" } })
        .catch((e) => e),
    );
    for (const err of errors) {
      expect(err).toBeInstanceOf(Error);
      for (const text of [String(err), (err as Error).message, JSON.stringify(err), inspect(err, { depth: 10 })]) {
        expect(text).not.toContain(IMPORT_TOKEN);
        expect(text).not.toContain(EXPORT_TOKEN);
      }
    }
  });
});

describe("options are checked", () => {
  it("a missing serviceId or token is a typed error naming the option", () => {
    expect(() => createDfineryClient({ serviceId: "", importToken: "x" })).toThrow(/serviceId/);
    expect(() => createDfineryClient({ serviceId: "s" })).toThrow(InvalidInputError);
    expect(() => createDfineryClient({ serviceId: "s", importToken: "x", baseUrl: "not a url" })).toThrow(/baseUrl/);
  });
});
