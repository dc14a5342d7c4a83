// A consumer of @cdpkit/synerise, for bench/typecheck.mjs: a client and a call in each area, typed.
// synerise-bare.ts makes the same calls on bare openapi-fetch over the same generated paths.
import { createSyneriseClient } from "@cdpkit/synerise";

const client = createSyneriseClient({ auth: { type: "workspace", apiKey: "k" } });
export async function use(): Promise<number> {
  const results = await Promise.all([
    client.GET("/uauth/business-profile/current"),
    client.POST("/v4/transactions", {
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
    client.POST("/v4/events/custom", { body: { label: "l", action: "a", client: { email: "e@example.com" } } }),
    client.GET("/activities-api/activities", { params: { query: { limit: 10 } } }),
    client.GET("/catalogs/bags"),
    client.GET("/tags-collector/tags"),
    client.GET("/v4/clients/{clientId}", { params: { path: { clientId: 1 } } }),
    client.GET("/crm/v1/list"),
    client.GET("/notes-service/by-id/{clientId}", { params: { path: { clientId: 1 } } }),
    client.GET("/analytics-backend/analytics/definitions-manager/aggregates"),
  ]);
  return results.reduce((n, r) => n + r.response.status, 0);
}
