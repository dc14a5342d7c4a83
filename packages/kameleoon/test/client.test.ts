// Every endpoint through the client against a Prism mock of specs/kameleoon (Prism validates each
// request: siteCode filled in, bodies of the declared content type).
import { describe, expect, inject, it } from "vitest";
import { createKameleoonClient, KAMELEOON_SERVERS, operations } from "../src/index.js";

const baseUrl = inject("kameleoonMockUrl");
const client = createKameleoonClient({ siteCode: "a1b2c3d4e5", baseUrl });

describe("the nine endpoints against the Prism mock", () => {
  it("the spec holds the nine endpoints of the overview and the regional servers", () => {
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(
      [
        "GET /visit/visitor",
        "POST /visit/forget",
        "POST /visit/events",
        "POST /product/events",
        "GET /product/productCounters",
        "GET /product/productData",
        "GET /map/map",
        "GET /map/maps",
        "POST /map/maps",
      ].sort(),
    );
    expect(Object.values(KAMELEOON_SERVERS)).toEqual([
      "https://data.kameleoon.io",
      "https://eu-data.kameleoon.io",
      "https://na-data.kameleoon.io",
      "https://eu-data.kameleoon.eu",
      "https://na-data.kameleoon.eu",
    ]);
  });
  it("GET /visit/visitor", async () => {
    const { response, data } = await client.GET("/visit/visitor", {
      params: { query: { visitorCode: "v1", maxNumberPreviousVisits: 5, conversion: true } },
    });
    expect(response.status).toBe(200);
    expect(typeof data).toBe("object");
    // Prism checks the query against the spec: without the required maxNumberPreviousVisits it answers the
    // declared 400 (its 422 is only for operations without a 400 response).
    const bad = await client.GET("/visit/visitor", { params: { query: { visitorCode: "v1" } } } as never);
    expect(bad.response.status).toBe(400);
    expect(bad.response.headers.get("sl-violations") ?? "").toMatch(/maxnumberpreviousvisits/i);
  });
  it("POST /visit/forget (plain text, one visitor code per line)", async () => {
    const { response } = await client.POST("/visit/forget", { body: "visitorCode1\nvisitorCode2\nvisitorCode3" });
    expect(response.status).toBe(204);
  });
  it("POST /visit/events (raw line body) and sendVisitEvents in both formats", async () => {
    expect(
      (await client.POST("/visit/events", { body: "eventType=CONVERSION&goalId=1&nonce=0123456789ABCDEF&visitorCode=v1" })).response.status,
    ).toBe(204);
    const lines = await client.sendVisitEvents([{ eventType: "conversion", goalId: 1, revenue: 9.5 }], { visitorCode: "v1" });
    const json = await client.sendVisitEvents([{ eventType: "page", href: "https://example.com", title: "Home", visitorCode: "v1" }], {
      format: "json",
    });
    expect([lines.ok, json.ok]).toEqual([true, true]);
    expect([lines.accepted, json.accepted]).toEqual([1, 1]);
  });
  it("POST /product/events via sendProductEvents", async () => {
    const report = await client.sendProductEvents([
      { eventType: "PRODUCTPAGE", ean: "sku-1", name: "Shoe" },
      { eventType: "PRODUCTBUY", ean: "sku-1" },
    ]);
    expect(report.ok).toBe(true);
  });
  it("GET /product/productCounters and /product/productData (parameters not published)", async () => {
    expect((await client.GET("/product/productCounters")).response.status).toBe(200);
    expect((await client.GET("/product/productData")).response.status).toBe(200);
  });
  it("GET /map/map, GET /map/maps, POST /map/maps", async () => {
    const one = await client.GET("/map/map", { params: { query: { key: "visitor-1" } } });
    expect(one.data).toEqual({ plan: "premium", lastPurchase: "2024-05-01" });
    const many = await client.GET("/map/maps", { params: { query: { keys: JSON.stringify(["key1", "key2"]) } } });
    expect(many.response.status).toBe(200);
    const stored = await client.POST("/map/maps", {
      params: { query: { ttlHours: 24 } },
      body: { "visitor-1": { plan: "premium" }, keyToDelete: {} },
    });
    expect(stored.response.status).toBe(204);
  });
});
