// Synerise against a Prism mock of the bundled spec: the workspace login, one operation per area,
// paginate over the CRM profile list (Basic auth), sendEvents over /v4/events/batch, the tracker key,
// and a docs 400 body as a typed error.
import { BadRequestError, createSyneriseClient } from "@cdpkit/synerise";

export async function runSynerise({ startVendorMock, line }) {
  const mock = await startVendorMock("synerise");
  console.log(`\nSynerise — Prism mock of specs/synerise (bundled: packages/synerise/src/generated/openapi.bundled.yaml) at ${mock.url}`);
  try {
    const client = createSyneriseClient({ auth: { type: "workspace", apiKey: "demo-workspace-api-key" }, baseUrl: mock.url });
    const show = async (label, call) => {
      const { data, error, response } = await call();
      const text = JSON.stringify(data ?? error ?? null);
      line(label, `HTTP ${response.status} ${text.length > 70 ? `${text.slice(0, 70)}...` : text}`);
      if (error !== undefined || !response.ok) throw new Error(`${label} failed with HTTP ${response.status}`);
    };
    await show("GET /uauth/business-profile/current", () => client.GET("/uauth/business-profile/current"));
    line("workspace login (POST /v4/auth/login/profile)", `${client.auth.stats.logins} login for every call so far`);
    await show("POST /v4/transactions", () =>
      client.POST("/v4/transactions", {
        body: {
          client: { customId: "c-1" },
          orderId: "order-1",
          paymentInfo: { method: "CASH" },
          products: [{ finalUnitPrice: { amount: 3.25, currency: "USD" }, name: "Soft drink", sku: "189784563455", quantity: 2 }],
          revenue: { amount: 6.5, currency: "USD" },
          value: { amount: 6.5, currency: "USD" },
          source: "MOBILE",
        },
      }),
    );
    await show("POST /v4/events/custom", () =>
      client.POST("/v4/events/custom", { body: { label: "Visited page", action: "page.visit", client: { email: "jane@example.com" } } }),
    );
    await show("GET /activities-api/activities", () => client.GET("/activities-api/activities", { params: { query: { limit: 10 } } }));
    await show("GET /catalogs/bags", () => client.GET("/catalogs/bags"));
    await show("GET /tags-collector/tags", () => client.GET("/tags-collector/tags"));
    await show("GET /v4/clients/{clientId}/tags", () => client.GET("/v4/clients/{clientId}/tags", { params: { path: { clientId: 42 } } }));
    await show("GET /v4/clients/{clientId}", () => client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 42 } } }));
    await show("GET /client-exporter/.../task/{taskId}", () =>
      client.GET("/client-exporter/v2/export/clients/task/{taskId}", { params: { path: { taskId: 7 } } }),
    );
    // paginate over an offset-paged list, with the Basic-auth mode (no login). The mock answers every
    // offset with the same one-profile example and never a short page, so maxPages ends the walk.
    const schemes = new Set();
    const basic = createSyneriseClient({
      auth: { type: "basic", workspaceGuid: "demo-workspace-guid", apiKey: "demo-workspace-api-key" },
      baseUrl: mock.url,
      fetch: (input, init) => {
        schemes.add(new Request(input, init).headers.get("authorization")?.split(" ")[0]);
        return fetch(input, init);
      },
    });
    const offsets = [];
    let profiles = 0;
    for await (const page of basic.paginate("GET", "/crm/v1/list", { params: { query: { limit: 1 } } }, { maxPages: 2 }).pages()) {
      offsets.push(new URL(page.response.url).searchParams.get("offset") ?? "0");
      profiles += page.items.length;
    }
    line(
      "paginate GET /crm/v1/list (basic auth)",
      `walked ${offsets.length} pages of the mock (offset ${offsets.join(", ")}), ${profiles} profiles, Authorization ${[...schemes].join("/")}, ${basic.auth.stats.logins} logins`,
    );
    if (offsets.length !== 2) throw new Error("paginate did not walk 2 pages");
    await show("GET /notes-service/by-id/{clientId}", () =>
      client.GET("/notes-service/by-id/{clientId}", { params: { path: { clientId: 42 } } }),
    );
    await show("GET .../definitions-manager/expressions", () => client.GET("/analytics-backend/analytics/definitions-manager/expressions"));
    await show("GET .../definitions-manager/aggregates", () => client.GET("/analytics-backend/analytics/definitions-manager/aggregates"));

    const events = Array.from({ length: 2500 }, (_, n) => ({
      label: "visit",
      type: "custom",
      action: "page.visit",
      client: { customId: `c-${n}` },
    }));
    const sizes = [];
    const report = await client.sendEvents(events, { onRequest: (r) => sizes.push(r.positions.length) });
    line(
      "sendEvents(2500 events)",
      `${sizes.length} requests (${sizes.join("+")}), ${report.accepted} accepted, ${report.failed.length} failed`,
    );
    if (!report.ok) throw new Error("sendEvents reported failures");

    const tracker = createSyneriseClient({ trackerKey: "demo-tracker-key", baseUrl: mock.url });
    await show("tracker key: ai-compat/recommendation.view", () =>
      tracker.POST("/v4/events/ai-compat/recommendation.view", {
        body: { correlationId: "c0rr", clientUUID: "07243772-008a-42e1-ba37-c3807cebde8f", items: ["sku-1"] },
      }),
    );

    const strict = createSyneriseClient({
      auth: { type: "workspace", apiKey: "demo-workspace-api-key" },
      baseUrl: mock.url,
      throwOnError: true,
    });
    try {
      await strict.POST("/v4/transactions/batch", {
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
      });
      throw new Error("the docs' 400 example was not raised");
    } catch (error) {
      if (!(error instanceof BadRequestError)) throw error;
      line(
        "docs 400 body -> typed error",
        `${error.name}: ${error.fieldErrors.map((f) => `${f.field} [${f.code}] ${f.message}`).join("; ")}`,
      );
    }
  } finally {
    await mock.stop();
  }
}
