// Every pinned method through the client against a Prism mock of specs/altcraft. Prism validates each
// request body against the spec (the token the client adds included).
import { describe, expect, inject, it } from "vitest";
import { AuthError, createAltcraftClient, operations, VendorError } from "../src/index.js";

const baseUrl = inject("altcraftMockUrl");
const TOKEN = "bfc505684d774e52b188fa1f003cd5ed";
const client = createAltcraftClient({ token: TOKEN, baseUrl, throwOnError: true });

const calls: Record<string, () => Promise<{ data?: unknown; response: Response }>> = {
  "profiles/import": () =>
    client.POST("/api/v1.1/profiles/import", {
      body: {
        db_id: 1,
        resource_id: 1,
        matching: "email",
        email: "example@example.com",
        data: { _fname: "Jim", email: "example@example.com", phones: ["+79000000000"] },
      },
    }),
  "profiles/import_batch": () => client.POST("/api/v1.1/profiles/import_batch", { body: { db_id: 1 } }),
  "profiles/get": () => client.POST("/api/v1.1/profiles/get", { body: { db_id: 1, matching: "email", email: "example@example.com" } }),
  "profiles/get_all": () => client.POST("/api/v1.1/profiles/get_all", { body: { db_id: 1 } }),
  "profiles/delete": () =>
    client.POST("/api/v1.1/profiles/delete", { body: { db_id: 1, matching: "email", email: "example@example.com" } }),
  "databases/list": () => client.POST("/api/v1.1/databases/list", { body: { from_id: 0, limit: 10 } }),
  "databases/fields_get": () => client.POST("/api/v1.1/databases/fields_get", { body: { db_id: 1 } }),
  "campaigns/triggers/start": () =>
    client.POST("/api/v1.1/campaigns/triggers/start", { body: { id: 7, matching: "email", email: "example@example.com" } }),
  "campaigns/triggers/import_and_start": () =>
    client.POST("/api/v1.1/campaigns/triggers/import_and_start", {
      body: { id: 7, db_id: 1, email: "example@example.com", data: { _fname: "Jim" } },
    }),
  "campaigns/triggers/add": () => client.POST("/api/v1.1/campaigns/triggers/add", { body: {} }),
  "campaigns/triggers/get": () => client.POST("/api/v1.1/campaigns/triggers/get", { body: { id: 7 } }),
  "resources/push_subscribe": () =>
    client.POST("/api/v1.1/resources/push_subscribe", {
      body: {
        id: "",
        resource_token: "resource-token",
        subscriptions: [{ provider: "firefox-firebase", subscription_id: "firebase-messaging-token" }],
      },
    }),
};

describe("every pinned method against the Prism mock", () => {
  it("the spec holds the 71 documented methods (the 12 first pinned among them), all POST /api/v1.1/<method>", () => {
    const all = operations.map((o) => `${o.method} ${o.path}`);
    expect(all).toHaveLength(71);
    expect(all.every((o) => o.startsWith("POST /api/v1.1/"))).toBe(true);
    expect(all).toEqual(expect.arrayContaining(Object.keys(calls).map((m) => `POST /api/v1.1/${m}`)));
    expect(operations.every((o) => o.evidence === "docs" || o.evidence === "sdk" || o.evidence === "traffic")).toBe(true);
    expect(operations.filter((o) => o.idempotent).map((o) => o.path)).toEqual(
      expect.arrayContaining([
        "/api/v1.1/campaigns/triggers/get",
        "/api/v1.1/databases/fields_get",
        "/api/v1.1/databases/list",
        "/api/v1.1/profiles/get",
      ]),
    );
  });
  for (const [method, call] of Object.entries(calls)) {
    it(method, async () => {
      const { data, response } = await call();
      expect(response.status).toBe(200);
      expect(data).toMatchObject({ error: 0 });
    });
  }
  it("profiles/import returns the profile id of the docs' example; databases/list its data", async () => {
    expect((await calls["profiles/import"]!()).data).toEqual({
      error: 0,
      error_text: "Successful operation",
      profile_id: "5f4fa1a5ce9448665fef548e",
    });
    expect((await calls["databases/list"]!()).data).toMatchObject({ data: [{ id: 1, name: "Customers" }] });
  });
  it("an envelope with a non-zero error (HTTP 200) is thrown as a typed error with the documented meaning", async () => {
    const error = await client
      .POST("/api/v1.1/profiles/get", { body: { db_id: 1, email: "x@example.com" }, headers: { Prefer: "example=tokenRequired" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 401, meaning: "API token required", altcraftMethod: "profiles/get", status: 200 });
    const rejected = await client
      .POST("/api/v1.1/profiles/import", { body: { db_id: 1, data: {} }, headers: { Prefer: "code=400" } })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(VendorError);
    expect(rejected).toMatchObject({ code: 450, meaning: "Request validation error" });
  });
});
