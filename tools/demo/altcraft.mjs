// Altcraft against a Prism mock of specs/altcraft: every pinned method once (token added by the
// client), and a non-zero envelope error as a typed error with its documented meaning.
import { AuthError, createAltcraftClient } from "@cdpkit/altcraft";

export async function runAltcraft({ startVendorMock, line }) {
  const mock = await startVendorMock("altcraft");
  console.log(`\nAltcraft — Prism mock of specs/altcraft (bundled) at ${mock.url}`);
  try {
    const client = createAltcraftClient({ token: "demo-altcraft-token", baseUrl: mock.url, throwOnError: true });
    const email = "example@example.com";
    const calls = [
      ["profiles/import", { db_id: 1, resource_id: 1, matching: "email", email, data: { _fname: "Jim", _lname: "Jones", email, phones: ["+79000000000"] } }],
      ["profiles/import_batch", { db_id: 1 }],
      ["profiles/get", { db_id: 1, matching: "email", email }],
      ["profiles/get_all", { db_id: 1 }],
      ["profiles/delete", { db_id: 1, matching: "email", email }],
      ["databases/list", { from_id: 0, limit: 10 }],
      ["databases/fields_get", { db_id: 1 }],
      ["campaigns/triggers/start", { id: 7, matching: "email", email }],
      ["campaigns/triggers/import_and_start", { id: 7, db_id: 1, email, data: { _fname: "Jim" } }],
      ["campaigns/triggers/add", {}],
      ["campaigns/triggers/get", { id: 7 }],
      ["resources/push_subscribe", { id: "", resource_token: "demo-resource-token", subscriptions: [{ provider: "firefox-firebase", subscription_id: "demo-firebase-token" }] }],
    ];
    for (const [method, body] of calls) {
      const { data, response } = await client.POST(`/api/v1.1/${method}`, { body });
      const text = JSON.stringify(data);
      line(`POST /api/v1.1/${method}`, `HTTP ${response.status} ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`);
      if (data?.error !== 0) throw new Error(`${method} failed`);
    }
    try {
      await client.POST("/api/v1.1/profiles/get", { body: { db_id: 1, email }, headers: { Prefer: "example=tokenRequired" } });
      throw new Error("the error-401 envelope was not raised");
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      line("envelope error 401 (HTTP 200)", `${error.name}: ${error.code} ${error.meaning}`);
    }
  } finally {
    await mock.stop();
  }
}
