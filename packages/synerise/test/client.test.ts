// At least one operation per area through the client, against a Prism mock of the bundled spec. Prism
// validates every request against the spec (missing Api-Version, a missing JWT or a wrong body would
// be refused), so a 2xx here also proves the client sends what the spec asks for.
import type { BatchRequestResult } from "@cdpkit/core";
import { describe, expect, inject, it } from "vitest";
import { BadRequestError, createSyneriseClient, operations, SYNERISE_BASE_URL } from "../src/index.js";

const baseUrl = inject("syneriseMockUrl");
const API_KEY = "64c09614-1b2a-42f7-804d-f647243eb1ab";
const client = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl });

describe("the spec", () => {
  it("defaults to api.synerise.com and holds 159 operations with their evidence", () => {
    expect(SYNERISE_BASE_URL).toBe("https://api.synerise.com");
    // 154 of the reference's 176 operations, plus 5 deprecated older twins of the profile logins and refresh.
    expect(operations).toHaveLength(159);
    const byEvidence = Object.fromEntries(
      ["docs", "sdk", "traffic", "inferred"].map((e) => [e, operations.filter((o) => "evidence" in o && o.evidence === e).length]),
    );
    expect(byEvidence).toEqual({ docs: 93, sdk: 39, traffic: 2, inferred: 25 });
  });
});

describe("one operation per area against the Prism mock", () => {
  it("auth: the workspace login happens once, then the JWT goes on every call", async () => {
    const c = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl });
    const { data, response } = await c.GET("/uauth/business-profile/current");
    expect(response.status).toBe(200);
    expect(data?.selected).toBe(true);
    await c.GET("/v4/clients/tags");
    expect(c.auth.stats.logins).toBe(1);
  });

  it("transactions: POST /v4/transactions with the docs' body (Api-Version filled in)", async () => {
    const { response, error } = await client.POST("/v4/transactions", {
      body: {
        client: { customId: "c-1" },
        orderId: "be466362-71e9-4bdd-ad11-bfacead5276b",
        paymentInfo: { method: "CASH" },
        products: [{ finalUnitPrice: { amount: 3.25, currency: "USD" }, name: "Soft drink", sku: "189784563455", quantity: 2 }],
        revenue: { amount: 6.5, currency: "USD" },
        value: { amount: 6.5, currency: "USD" },
        source: "MOBILE",
      },
    });
    expect(error).toBeUndefined();
    expect(response.status).toBe(202);
  });

  it("errors: the docs' 400 body becomes a BadRequestError with its field errors", async () => {
    const strict = createSyneriseClient({ auth: { type: "workspace", apiKey: API_KEY }, baseUrl, throwOnError: true });
    const error = await strict
      .POST("/v4/transactions/batch", {
        body: [
          {
            client: { id: 1 },
            orderId: "o-1",
            paymentInfo: { method: "CASH" },
            products: [],
            revenue: { amount: 0, currency: "USD" },
            value: { amount: 0, currency: "USD" },
            source: "POS",
          },
        ],
        headers: { Prefer: "code=400" },
      } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      status: 400,
      vendorMessage: expect.stringContaining("Some fields did not pass validation"),
      fieldErrors: [{ field: "client", code: 14191, message: "Client cannot have null value" }],
    });
  });

  it("events: a custom event, and sendEvents through /v4/events/batch", async () => {
    const { response } = await client.POST("/v4/events/custom", {
      body: { label: "Visited page", action: "page.visit", client: { email: "jane@example.com" }, params: { url: "https://example.com" } },
    });
    expect(response.status).toBe(202);
    const requests: BatchRequestResult[] = [];
    const report = await client.sendEvents(
      Array.from({ length: 1500 }, (_, n) => ({ label: "visit", type: "custom", action: "page.visit", client: { customId: `c-${n}` } })),
      { onRequest: (r) => requests.push(r) },
    );
    expect(report.ok).toBe(true);
    expect(requests.map((c) => [c.status, c.positions.length])).toEqual([
      ["accepted", 1000],
      ["accepted", 500],
    ]);
  });

  it("ai-events: the tracker key goes in the token query parameter when no JWT is configured", async () => {
    const tracker = createSyneriseClient({ trackerKey: "tracker-key-1", baseUrl });
    const { response } = await tracker.POST("/v4/events/ai-compat/recommendation.view", {
      body: { correlationId: "c0rr", clientUUID: "07243772-008a-42e1-ba37-c3807cebde8f", items: ["sku-1"] },
    } as never);
    // Prism answers 401 when neither a bearer token nor the `token` query parameter is present.
    expect(response.status).toBe(202);
  });

  it("activities, catalogs, tags, profiles, export, CRM, notes, analytics: typed GETs", async () => {
    const calls = [
      client.GET("/activities-api/activities", { params: { query: { limit: 10 } } }),
      client.GET("/catalogs/bags", { params: { query: { limit: 10 } } }),
      client.GET("/tags-collector/tags"),
      client.GET("/v4/clients/tags"),
      client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } }),
      client.GET("/client-exporter/v2/export/clients/task/{taskId}", { params: { path: { taskId: 7 } } }),
      client.GET("/crm/v1/list", { params: { query: { limit: 5 } } }),
      client.GET("/notes-service/by-id/{clientId}", { params: { path: { clientId: 42 } } }),
      client.GET("/analytics-backend/analytics/definitions-manager/expressions"),
      client.GET("/analytics-backend/analytics/definitions-manager/aggregates"),
    ];
    const results = await Promise.all(calls);
    expect(results.map((r) => r.response.status)).toEqual(Array(calls.length).fill(200));
    expect(results.every((r) => r.data !== undefined)).toBe(true);
  });

  it("paths that overlap by template reach their own operation", async () => {
    const tags = await client.GET("/v4/clients/{clientId}/tags", { params: { path: { clientId: 42 } } });
    expect(tags.response.status).toBe(200);
    expect(Array.isArray(tags.data)).toBe(true);
    const byIdentifier = await client.GET("/v4/clients/{identifierType}/{identifierValue}", {
      params: { path: { identifierType: "by-email", identifierValue: "jane@example.com" } },
    });
    expect(byIdentifier.response.status).toBe(200);
  });
});
