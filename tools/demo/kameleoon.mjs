// Kameleoon against a Prism mock of specs/kameleoon: the nine endpoints, and the event helpers.
import { createKameleoonClient, InvalidInputError } from "@cdpkit/kameleoon";
import { encodeEventLine, newNonce } from "@cdpkit/kameleoon/events";

export async function runKameleoon({ startVendorMock, line }) {
  const mock = await startVendorMock("kameleoon");
  console.log(`\nKameleoon Data API — Prism mock of specs/kameleoon/openapi.yaml at ${mock.url}`);
  try {
    const client = createKameleoonClient({ siteCode: "a1b2c3d4e5", baseUrl: mock.url });
    const show = async (label, call) => {
      const { data, error, response } = await call();
      const text = JSON.stringify(data ?? error ?? null);
      line(label, `HTTP ${response.status} ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`);
      if (!response.ok) throw new Error(`${label} failed with HTTP ${response.status}`);
    };
    await show("GET /visit/visitor", () =>
      client.GET("/visit/visitor", { params: { query: { visitorCode: "visitor-1", maxNumberPreviousVisits: 5, conversion: true } } }),
    );
    await show("POST /visit/forget", () => client.POST("/visit/forget", { body: "visitorCode1\nvisitorCode2\nvisitorCode3" }));
    const nonce = newNonce();
    if (!/^[0-9A-F]{16}$/.test(nonce)) throw new Error(`newNonce gave ${nonce}`);
    line("newNonce()", nonce);
    const eventLine = encodeEventLine({ eventType: "conversion", goalId: 1, revenue: 9.5, visitorCode: "visitor-1", nonce });
    line("encodeEventLine(conversion)", eventLine);
    await show("POST /visit/events (raw line)", () => client.POST("/visit/events", { body: eventLine }));
    await show("GET /product/productCounters", () => client.GET("/product/productCounters"));
    await show("GET /product/productData", () => client.GET("/product/productData"));
    await show("GET /map/map", () => client.GET("/map/map", { params: { query: { key: "visitor-1" } } }));
    await show("GET /map/maps", () => client.GET("/map/maps", { params: { query: { keys: JSON.stringify(["key1", "key2"]) } } }));
    await show("POST /map/maps", () =>
      client.POST("/map/maps", { params: { query: { ttlHours: 24 } }, body: { "visitor-1": { plan: "premium" }, keyToDelete: {} } }),
    );
    const refused = await client.GET("/visit/visitor", { params: { query: { maxNumberPreviousVisits: 1 } } }).then(
      () => undefined,
      (e) => e,
    );
    if (!(refused instanceof InvalidInputError)) throw new Error("a visitor call without visitorCode/mappingValue was not refused");
    line("GET /visit/visitor without a visitor (checked)", `${refused.name}: ${refused.message}`);
    const visits = await client.sendVisitEvents(
      Array.from({ length: 500 }, (_, n) => ({ eventType: "conversion", goalId: 123, revenue: n, visitorCode: `visitor-${n}` })),
      { maxBodyBytes: 20_000 },
    );
    line(
      "sendVisitEvents(500, lines, 20 kB bodies)",
      `${visits.requests.accepted + visits.requests.failed} requests, ${visits.accepted} accepted, ${visits.failed.length} failed`,
    );
    const products = await client.sendProductEvents(
      [
        { eventType: "PRODUCTPAGE", ean: "sku-1", name: "Shoe" },
        { eventType: "PRODUCTBUY", ean: "sku-1" },
      ],
      { format: "json" },
    );
    line(
      "sendProductEvents(2, json)",
      `${products.requests.accepted + products.requests.failed} request, ${products.accepted} accepted, ${products.failed.length} failed`,
    );
    if (!visits.ok || !products.ok) throw new Error("event helpers reported failures");
  } finally {
    await mock.stop();
  }
}
