// The calls of synerise.ts on bare openapi-fetch over @cdpkit/synerise's generated paths: the baseline
// of bench/typecheck.mjs (issue 13 target 6). The client fills the Api-Version header the spec requires;
// here the caller does.
import createClient from "openapi-fetch";
import type { paths } from "@cdpkit/synerise";

const client = createClient<paths>({ baseUrl: "https://api.synerise.com" });
export async function use(): Promise<number> {
  const results = await Promise.all([
    client.GET("/uauth/business-profile/current"),
    client.POST("/v4/transactions", {
      params: { header: { "Api-Version": "4.4" } },
      body: {
        client: { customId: "c" },
        orderId: "o",
        paymentInfo: { method: "CASH" },
        products: [{ finalUnitPrice: { amount: 1, currency: "USD" }, name: "n", sku: "s", quantity: 1 }],
        revenue: { amount: 1, currency: "USD" },
        value: { amount: 1, currency: "USD" },
        source: "MOBILE",
      },
    }),
    client.POST("/v4/events/custom", {
      params: { header: { "Api-Version": "4.4" } },
      body: { label: "l", action: "a", client: { email: "e@example.com" } },
    }),
    client.GET("/activities-api/activities", { params: { query: { limit: 10 } } }),
    client.GET("/catalogs/bags"),
    client.GET("/tags-collector/tags"),
    client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 1 }, header: { "Api-Version": "4.4" } } }),
    client.GET("/crm/v1/list"),
    client.GET("/notes-service/by-id/{clientId}", { params: { path: { clientId: 1 } } }),
    client.GET("/analytics-backend/analytics/definitions-manager/aggregates"),
  ]);
  return results.reduce((n, r) => n + r.response.status, 0);
}
