// The profiles, subscriptions, databases, resources, segments and suppression-lists sections
// (research notes 2026-11-30, §1.1–1.3): one method of each through the client against the Prism mock
// of specs/altcraft (Prism validates each request body, the token the client adds included), and
// the generated operation facts for all 27 methods.
import { describe, expect, inject, it } from "vitest";
import { createAltcraftClient, operations } from "../src/index.js";

const client = createAltcraftClient({ token: "t", baseUrl: inject("altcraftMockUrl") });

const PATHS = {
  profiles: [
    "profiles/add",
    "profiles/add_batch/",
    "profiles/update_batch",
    "subscribers/history_get",
    "subscribers/history_get_all",
    "relations/edit",
    "profiles/list",
    "profiles/message_unsub",
  ],
  subscriptions: [
    "subscriptions/set",
    "subscriptions/list",
    "subscriptions/list_all",
    "subscriptions/get",
    "subscriptions/delete",
    "subscriptions/undelete",
    "subscriptions/suspend_all",
    "subscriptions/unsuspend_all",
  ],
  databases: ["databases/get/"],
  resources: ["resources/list"],
  segments: ["segments/add/", "segments/update/", "segments/get/", "segments/list/", "profiles/segstatic/add", "profiles/segstatic/remove"],
  "suppression-lists": ["suppresses/add", "suppresses/get", "suppresses/list"],
} as const;
const ALL = Object.values(PATHS)
  .flat()
  .map((p) => `/api/v1.1/${p}`);
const READS = [
  "subscribers/history_get",
  "subscribers/history_get_all",
  "profiles/list",
  "subscriptions/list",
  "subscriptions/list_all",
  "subscriptions/get",
  "databases/get/",
  "resources/list",
  "segments/get/",
  "segments/list/",
  "suppresses/get",
  "suppresses/list",
].map((p) => `/api/v1.1/${p}`);

describe("profiles, subscriptions, databases, resources, segments, suppression lists", () => {
  it("the generated operations list all 27 methods, POST, at their documented paths (trailing slashes kept)", () => {
    expect(ALL).toHaveLength(27);
    const byPath = new Map(operations.map((o) => [o.path as string, o]));
    for (const path of ALL) {
      expect(byPath.get(path), path).toMatchObject({ method: "POST", evidence: "docs", successBody: "json" });
    }
    // Reads only are safe to repeat; every write is sent once.
    expect(ALL.filter((p) => byPath.get(p)?.idempotent).sort()).toEqual([...READS].sort());
    // The client checks the documented required fields before sending (the token it fills itself).
    expect(byPath.get("/api/v1.1/subscribers/history_get_all")?.requestBody).toEqual({
      type: "object",
      required: ["list_id", "date_from", "date_to"],
    });
    expect(byPath.get("/api/v1.1/profiles/segstatic/add")?.requestBody).toEqual({
      type: "object",
      required: ["segment_id", "db_id", "profile_id"],
    });
  });

  it("profiles: profiles/add_batch/ returns each profile's result", async () => {
    const { data, response } = await client.POST("/api/v1.1/profiles/add_batch/", {
      body: {
        db_id: 1,
        data: [{ _fname: "John", subscriptions: [{ channel: "email", email_data: { email: "john@example.com" }, resource_id: 1 }] }],
      },
    });
    expect(response.status).toBe(200);
    expect(data?.error).toBe(0);
    const first = data?.result?.[0];
    expect(first?.error).toBe(0);
    expect(typeof first?.profile_id).toBe("string");
  });

  it("subscriptions: subscriptions/set takes the channel identifiers", async () => {
    const { data, response } = await client.POST("/api/v1.1/subscriptions/set", {
      body: {
        db_id: 1,
        profile_id: "abcdefghijklmnqrstuvwxyz",
        resource_id: 1,
        channel: "email",
        email: "john@example.com",
        status: "subscribed",
      },
    });
    expect(response.status).toBe(200);
    expect(data?.error).toBe(0);
  });

  it("databases: databases/get/ returns the database", async () => {
    const { data } = await client.POST("/api/v1.1/databases/get/", { body: { id: 1 } });
    expect(data?.error).toBe(0);
    const name: string | undefined = data?.data?.name;
    expect(name).toBe("B2C customers");
    expect(data?.data?.suppress_id).toBe(1);
  });

  it("resources: resources/list pages with next_from_id", async () => {
    const { data } = await client.POST("/api/v1.1/resources/list", { body: { from_id: 1, limit: 1 } });
    expect(data?.error).toBe(0);
    const next: number | undefined = data?.next_from_id;
    expect(next).toBe(4);
    expect(data?.data?.[0]?.groups?.[0]?.name).toBe("subaccount");
  });

  it("segments: profiles/segstatic/add adds a profile to a static segment", async () => {
    const { data, response } = await client.POST("/api/v1.1/profiles/segstatic/add", {
      body: { segment_id: 3, db_id: 1, profile_id: "abcdefghijklmnqrstuvwxyz" },
    });
    expect(response.status).toBe(200);
    expect(data?.error).toBe(0);
  });

  it("suppression lists: suppresses/add returns the new list's id", async () => {
    const { data } = await client.POST("/api/v1.1/suppresses/add", { body: { name: "New suppression list" } });
    expect(data?.error).toBe(0);
    const saved: number | undefined = data?.data?.saved_id;
    expect(saved).toBe(1);
  });
});
