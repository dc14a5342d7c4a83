// Where the token goes, what each envelope code becomes, and that a write is never sent twice —
// against a local server that records requests and can fail them.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestServer, json, type TestServer } from "@cdpkit/testkit";
import {
  ALTCRAFT_ERROR_CODES,
  AuthError,
  ConflictError,
  createAltcraftClient,
  InvalidInputError,
  NotFoundError,
  ServerError,
  VendorError,
  WriteOutcomeUnknownError,
} from "../src/index.js";

const TOKEN = "altcraft-secret-token-0123456789";
let server: TestServer;
let url: string;
const envelope = (res: ServerResponse, body: unknown, status = 200) => json(res, status, body);
beforeAll(async () => {
  server = await createTestServer({ countBy: "path" });
  url = server.url;
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset();
  server.fallback((_req, res) => envelope(res, { error: 0, error_text: "Successful operation", profile_id: "p1" }));
});

const retry = { baseDelayMs: 1, maxDelayMs: 2 };

describe("the token", () => {
  it("goes into the body by default, on a copy of the caller's body", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    const body = { db_id: 1, matching: "email", email: "a@example.com", data: { _fname: "Ann" } };
    await client.POST("/api/v1.1/profiles/import", { body });
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ ...body, token: TOKEN });
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
    expect(body).not.toHaveProperty("token");
  });
  it("goes in Authorization: Bearer with tokenIn: header, and not in the body", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, tokenIn: "header", retry, throwOnError: true });
    await client.POST("/api/v1.1/databases/list", { body: { limit: 5 } });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ limit: 5 });
  });
  it("goes in the token query parameter for resources/push_subscribe, as its samples do, and never into its errors", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    const body = { id: "", resource_token: "resource-token", subscriptions: [{ provider: "firefox-firebase", subscription_id: "sub-1" }] };
    await client.POST("/api/v1.1/resources/push_subscribe", { body });
    expect(server.requests[0]!.query.get("token")).toBe(TOKEN);
    expect(JSON.parse(server.requests[0]!.body)).toEqual(body);
    server.fallback((_req, res) => envelope(res, { error: 403, error_text: "No rights for this action" }));
    const error = await client.POST("/api/v1.1/resources/push_subscribe", { body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
    expect(String((error as Error).stack)).not.toContain(TOKEN);
  });
  it("with tokenIn: header, resources/push_subscribe gets the bearer header and no query token", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, tokenIn: "header", retry, throwOnError: true });
    await client.POST("/api/v1.1/resources/push_subscribe", { body: { resource_token: "resource-token", subscriptions: [] } });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(server.requests[0]!.query.has("token")).toBe(false);
  });
  it("bad options are named; the token never appears in an error", () => {
    expect(() => createAltcraftClient({ token: "", throwOnError: true })).toThrow(/token must be a non-empty string/);
    expect(() =>
      createAltcraftClient({ token: TOKEN, tokenIn: "url" as never, host: "bad host/", baseUrl: "x", throwOnError: true }),
    ).toThrow(InvalidInputError);
    try {
      createAltcraftClient({ token: TOKEN, tokenIn: "url" as never, throwOnError: true });
    } catch (error) {
      expect(String(error)).toMatch(/tokenIn must be "body" or "header"/);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    }
  });
  it("the host option builds https://<host>/api/v1.1/... (cloud host by default)", async () => {
    const requests: string[] = [];
    const client = createAltcraftClient({
      token: TOKEN,
      host: "marketing.example.com",
      fetch: async (url: string) => (
        requests.push(url),
        new Response('{"error":0,"error_text":"ok"}', { headers: { "content-type": "application/json" } })
      ),
    });
    await client.POST("/api/v1.1/databases/list", { body: {} });
    expect(requests).toEqual(["https://marketing.example.com/api/v1.1/databases/list"]);
  });
});

describe("the envelope", () => {
  const classes: Record<number, unknown> = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    500: ServerError,
    501: ServerError,
  };
  for (const [code, meaning] of Object.entries(ALTCRAFT_ERROR_CODES).filter(([c]) => c !== "0")) {
    it(`error ${code} is a ${(classes[Number(code)] as { name: string } | undefined)?.name ?? "VendorError"} meaning "${meaning}"`, async () => {
      server.fallback((_req, res) => envelope(res, { error: Number(code), error_text: `platform says ${code}` }));
      const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
      const error = await client.POST("/api/v1.1/profiles/get", { body: { db_id: 1 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(classes[Number(code)] ?? VendorError);
      expect(error).toMatchObject({
        code: Number(code),
        meaning,
        vendorCode: Number(code),
        vendorMessage: `platform says ${code}`,
        altcraftMethod: "profiles/get",
      });
      expect(String(error)).toContain(meaning);
      expect(JSON.stringify(error)).not.toContain(TOKEN);
    });
  }
  it("an undocumented code is still a failure; throwOnError: false returns the envelope as error", async () => {
    server.fallback((_req, res) => envelope(res, { error: 999, error_text: "new" }));
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    await expect(client.POST("/api/v1.1/databases/list", { body: {} })).rejects.toMatchObject({
      code: 999,
      meaning: "undocumented error code",
    });
    const lenient = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: false });
    const { data, error } = await lenient.POST("/api/v1.1/databases/list", { body: {} });
    expect(data).toBeUndefined();
    expect(error).toEqual({ error: 999, error_text: "new" });
  });
});

describe("writes are sent once", () => {
  it("a write whose connection drops is not re-sent and comes back with what was sent", async () => {
    server.fallback((_req, res) => server.resetBeforeHeaders(res));
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    const body = { db_id: 1, email: "a@example.com", data: { _fname: "Ann" } };
    const error = await client.POST("/api/v1.1/profiles/import", { body }).catch((e: unknown) => e);
    expect(server.requests.filter((s) => s.path === "/api/v1.1/profiles/import")).toHaveLength(1);
    expect(error).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(error).toMatchObject({ altcraftMethod: "profiles/import", sentBody: body, kind: "network" });
    expect(String(error)).toMatch(/not re-sent because Altcraft rejects a repeated data-modifying request/);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });
  it("a write that times out is not re-sent and says its outcome is unknown", async () => {
    server.fallback((_req, res) => server.hold(res)); // never answers
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, timeoutMs: 300, throwOnError: true });
    const body = { id: 7, matching: "email", email: "a@example.com" };
    const error = await client.POST("/api/v1.1/campaigns/triggers/start", { body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WriteOutcomeUnknownError);
    expect(error).toMatchObject({ altcraftMethod: "campaigns/triggers/start", sentBody: body });
    expect((error as Error).cause).toMatchObject({ kind: "timeout" });
    expect(String(error)).toMatch(/may have reached the platform/);
    expect(server.requests.filter((s) => s.path === "/api/v1.1/campaigns/triggers/start")).toHaveLength(1);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });
  it("a read that times out is retried", async () => {
    server.fallback((req, res) => (req.hit === 1 ? server.hold(res) : envelope(res, { error: 0, error_text: "ok" })));
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, timeoutMs: 300, throwOnError: true });
    await expect(client.POST("/api/v1.1/campaigns/triggers/get", { body: { id: 7 } })).resolves.toMatchObject({ data: { error: 0 } });
    expect(server.requests).toHaveLength(2);
  });
  it("a write answered 503 is not re-sent either", async () => {
    server.fallback((_req, res) => envelope(res, { error: 500, error_text: "busy" }, 503));
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    await expect(client.POST("/api/v1.1/campaigns/triggers/start", { body: { id: 1, email: "a@example.com" } })).rejects.toBeInstanceOf(
      ServerError,
    );
    expect(server.requests).toHaveLength(1);
  });
  it("a read is retried after a dropped connection", async () => {
    server.fallback((req, res) =>
      req.hit === 1 ? server.resetBeforeHeaders(res) : envelope(res, { error: 0, error_text: "ok", data: [] }),
    );
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, retry, throwOnError: true });
    const { data } = await client.POST("/api/v1.1/databases/list", { body: {} });
    expect(data).toEqual({ error: 0, error_text: "ok", data: [] });
    expect(server.requests).toHaveLength(2);
    expect(JSON.parse(server.requests[1]!.body)).toEqual({ token: TOKEN });
  });
});

describe("paginate (from_id / next_from_id)", () => {
  it("walks campaigns/list page by page with the token in every body, and ends when next_from_id is absent", async () => {
    // 7 campaigns served 3 at a time: from_id is the first id of the page, next_from_id the next page's.
    server.fallback((req, res) => {
      const body = JSON.parse(req.body) as { from_id?: number; limit?: number; token?: string };
      const from = body.from_id ?? 1;
      const ids = [1, 2, 3, 4, 5, 6, 7].filter((id) => id >= from).slice(0, body.limit ?? 3);
      const next = ids.length > 0 && ids[ids.length - 1]! < 7 ? ids[ids.length - 1]! + 1 : undefined;
      envelope(res, {
        error: 0,
        error_text: "Successful operation",
        data: ids.map((id) => ({ id, name: `c${id}` })),
        ...(next ? { next_from_id: next } : {}),
      });
    });
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    const names: string[] = [];
    for await (const campaign of client.paginate("POST", "/api/v1.1/campaigns/list", { body: { limit: 3 } }))
      names.push(String(campaign.name));
    expect(names).toEqual(["c1", "c2", "c3", "c4", "c5", "c6", "c7"]);
    const bodies = server.requests.map((s) => JSON.parse(s.body) as { from_id?: number; token?: string });
    expect(bodies.map((b) => b.from_id)).toEqual([undefined, 4, 7]);
    expect(bodies.every((b) => b.token === TOKEN)).toBe(true);
  });

  it("a cursor that does not move ends with a VendorError instead of looping; maxPages stops early", async () => {
    server.fallback((_req, res) => envelope(res, { error: 0, error_text: "ok", data: [{ id: 1 }], next_from_id: 2 }));
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    const walk = async (maxPages?: number) => {
      const pages: number[] = [];
      for await (const page of client.paginate("POST", "/api/v1.1/campaigns/list", { body: {} }, maxPages ? { maxPages } : {}).pages())
        pages.push(page.items.length);
      return pages;
    };
    await expect(walk()).rejects.toThrow(VendorError);
    expect(server.requests).toHaveLength(2);
    expect(await walk(1)).toEqual([1]);
  });

  it("an envelope error on a later page ends the walk with its typed error", async () => {
    server.fallback((req, res) =>
      req.hit === 1
        ? envelope(res, { error: 0, error_text: "ok", data: [{ id: 1 }], next_from_id: 2 })
        : envelope(res, { error: 403, error_text: "No rights" }),
    );
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    const got: unknown[] = [];
    await expect(
      (async () => {
        for await (const item of client.paginate("POST", "/api/v1.1/campaigns/list", { body: {} })) got.push(item);
      })(),
    ).rejects.toThrow(AuthError);
    expect(got).toHaveLength(1);
  });

  it("a method that does not page is refused when iterated", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    const iterate = async () => {
      // @ts-expect-error profiles/get is not a paginated method
      for await (const _ of client.paginate("POST", "/api/v1.1/profiles/get", { body: { db_id: 1 } })) void _;
    };
    await expect(iterate()).rejects.toThrow(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });
});

describe("sendBatch (x-cdpkit-batch)", () => {
  it("profiles/add_batch/: packs 25,000 profiles into requests of at most 10,000, each item accounted for by its result", async () => {
    // Every 1000th profile is refused by the platform (per-item result error 409); the rest get an id.
    server.fallback((req, res) => {
      const body = JSON.parse(req.body) as { db_id: number; data: { email: string }[]; token: string };
      envelope(res, {
        error: 0,
        error_text: "Successful operation",
        result: body.data.map((p) =>
          Number(p.email.split("@")[0]) % 1000 === 0
            ? { error: 409, error_text: "Duplicate profile" }
            : { error: 0, error_text: "ok", profile_id: `id-${p.email}` },
        ),
      });
    });
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    async function* profiles() {
      for (let n = 1; n <= 25_000; n++) yield { email: `${n}@example.com` };
    }
    const report = await client.sendBatch("POST", "/api/v1.1/profiles/add_batch/", profiles(), { db_id: 1 }, { keepAccepted: false });
    const bodies = server.requests.map((s) => JSON.parse(s.body) as { db_id: number; data: unknown[]; token: string });
    expect(bodies.map((b) => b.data.length)).toEqual([10_000, 10_000, 5_000]);
    expect(bodies.every((b) => b.db_id === 1 && b.token === TOKEN)).toBe(true);
    expect(report.read).toBe(25_000);
    expect(report.accepted).toBe(25_000 - 25);
    expect(report.failed.map((f) => f.position + 1)).toEqual(Array.from({ length: 25 }, (_, i) => (i + 1) * 1000));
    for (const f of report.failed) expect(f.error).toBeInstanceOf(ConflictError);
    expect(report.acceptedItems).toBeUndefined();
  });

  it("a method without x-cdpkit-batch is refused before sending", async () => {
    const client = createAltcraftClient({ token: TOKEN, baseUrl: url, throwOnError: true });
    // @ts-expect-error profiles/import is not a batch method
    await expect(client.sendBatch("POST", "/api/v1.1/profiles/import", [{}])).rejects.toThrow(InvalidInputError);
    expect(server.requests).toHaveLength(0);
  });
});
