// The campaigns (mailings, trigger campaigns), super-campaigns, workflows, promo codes, goals and
// market sections (research notes 2026-11-30, §1.4–1.7): one method of each through the client
// against the Prism mock of specs/altcraft (Prism validates each request body, the token the client
// adds included), and the generated operation facts for all 32 methods.
import { describe, expect, inject, it } from "vitest";
import { createAltcraftClient, operations } from "../src/index.js";

const client = createAltcraftClient({ token: "t", baseUrl: inject("altcraftMockUrl") });

const PATHS = {
  campaigns: [
    "campaigns/list",
    "campaigns/get",
    "campaigns/activate/",
    "campaigns/deactivate",
    "campaigns/clone",
    "campaigns/get_status",
    "campaigns/regulars/list/",
    "campaigns/regulars/get",
  ],
  "trigger-campaigns": [
    "campaigns/triggers/list/",
    "campaigns/triggers/update/",
    "campaigns/triggers/start_batch",
    "campaigns/triggers/start_batch_task",
    "campaigns/triggers/clone",
  ],
  "super-campaigns": ["scampaigns/list", "scampaigns/activate", "scampaigns/deactivate", "scampaigns/get_status"],
  workflows: ["workflows/start", "workflows/import_and_start_batch", "workflows/list", "workflows/activate"],
  promocodes: [
    "promocodes/import",
    "promocodes/get",
    "promocodes/activate",
    "promocodes/update",
    "promocodes/attach",
    "promocodes/detach",
    "promocodes/export_all",
  ],
  goals: ["goals/register"],
  market: ["market/orders/import", "market/orders/list", "market/products/import"],
} as const;
const ALL = Object.values(PATHS)
  .flat()
  .map((p) => `/api/v1.1/${p}`);
const READS = [
  "campaigns/list",
  "campaigns/get",
  "campaigns/get_status",
  "campaigns/regulars/list/",
  "campaigns/regulars/get",
  "campaigns/triggers/list/",
  "scampaigns/list",
  "scampaigns/get_status",
  "workflows/list",
  "promocodes/get",
  "promocodes/export_all",
  "market/orders/list",
].map((p) => `/api/v1.1/${p}`);

describe("campaigns, super-campaigns, workflows, promo codes, goals, market", () => {
  it("the generated operations list all 32 methods, POST, at their documented paths (trailing slashes kept)", () => {
    expect(ALL).toHaveLength(32);
    const byPath = new Map(operations.map((o) => [o.path as string, o]));
    for (const path of ALL) {
      expect(byPath.get(path), path).toMatchObject({ method: "POST", evidence: "docs", successBody: "json" });
    }
    for (const [tag, paths] of Object.entries(PATHS)) {
      for (const p of paths) expect(byPath.get(`/api/v1.1/${p}`)?.operationId, p).toMatch(/^[a-z][A-Za-z]+$/);
      expect(paths.length, tag).toBeGreaterThan(0);
    }
    // Reads only are safe to repeat; every write is sent once.
    expect(ALL.filter((p) => byPath.get(p)?.idempotent).sort()).toEqual([...READS].sort());
    // The documented required fields are checked before sending (the token never: the client adds it).
    expect(byPath.get("/api/v1.1/campaigns/triggers/start_batch")?.requestBody).toEqual({
      type: "object",
      required: ["trigger_id", "data"],
    });
    expect(byPath.get("/api/v1.1/scampaigns/activate")?.requestBody).toEqual({ type: "object", required: ["id", "activate_date"] });
    expect(byPath.get("/api/v1.1/campaigns/triggers/clone")?.requestBody).toEqual({ type: "object" });
  });

  it("campaigns: campaigns/list returns the docs' page with its next_from_id cursor", async () => {
    const { data } = await client.POST("/api/v1.1/campaigns/list", { body: { limit: 2 } });
    expect(data?.error).toBe(0);
    expect(data?.next_from_id).toBe(8);
    expect(data?.total_count).toBe(134);
    expect(data?.data?.map((c) => [c.id, c.type])).toEqual([
      [5, "broadcast"],
      [7, "broadcast"],
    ]);
  });

  it("trigger campaigns: campaigns/triggers/start_batch takes trigger_id and a data array", async () => {
    const { data, response } = await client.POST("/api/v1.1/campaigns/triggers/start_batch", {
      body: { trigger_id: 8, matching: "email", data: [{ email: "profile1@example.com" }, { email: "profile2@example.com" }] },
    });
    expect(response.status).toBe(200);
    expect(data?.error).toBe(0);
    expect(Array.isArray(data?.result)).toBe(true);
  });

  it("super-campaigns: scampaigns/get_status returns the docs' status", async () => {
    const { data } = await client.POST("/api/v1.1/scampaigns/get_status", { body: { id: 10 } });
    expect(data).toEqual({ data: { status: "active" }, error: 0, error_text: "Successful operation" });
    const status: string | undefined = data?.data?.status;
    expect(status).toBe("active");
  });

  it("workflows: workflows/activate answers data: null", async () => {
    const { data } = await client.POST("/api/v1.1/workflows/activate", { body: { id: 1, skip_profiles: true } });
    expect(data).toEqual({ data: null, error: 0, error_text: "Successful operation" });
  });

  it("promo codes: promocodes/get returns the docs' promo code", async () => {
    const { data } = await client.POST("/api/v1.1/promocodes/get", { body: { code: "CODE-1", loyalty_id: 5 } });
    expect(data?.error).toBe(0);
    expect(data?.data).toMatchObject({
      code: "CODE-1",
      loyalty_id: 5,
      is_attached: false,
      is_activated: false,
      created: "2024-04-01T12:39:34Z",
    });
  });

  it("goals: goals/register takes db_id, pixel_id and the matching identifier", async () => {
    const { data, response } = await client.POST("/api/v1.1/goals/register", {
      body: { db_id: 1, pixel_id: 1, goal: "card", value: -25.5, matching: "email", email: "john@example.com" },
    });
    expect(response.status).toBe(200);
    expect(data?.error).toBe(0);
  });

  it("market: market/orders/list pages with a string cursor", async () => {
    const { data } = await client.POST("/api/v1.1/market/orders/list", { body: { from_id: "", limit: 1, endpoint: "qwerty" } });
    expect(data?.error).toBe(0);
    expect(typeof data?.next_from_id).toBe("string");
    expect(Array.isArray(data?.data)).toBe(true);
  });

  it("a body missing a documented required field is refused before sending", async () => {
    const error = await client.POST("/api/v1.1/promocodes/import", { body: { codes: ["CODE-1"] } as never }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/loyalty_id/);
  });
});
