// Altcraft against a Prism mock of specs/altcraft: one method of every section of the v1.1 API (token
// added by the client), `paginate` over campaigns/list, `sendBatch` over profiles/add_batch/, and a
// non-zero envelope error as a typed error with its documented meaning.
import { AuthError, createAltcraftClient } from "@cdpkit/altcraft";

/** The answer without the `{error, error_text}` envelope fields, shortened. */
function payload(data) {
  const { error: _error, error_text: _text, ...rest } = data ?? {};
  const text = Object.keys(rest).length === 0 ? "(envelope only)" : JSON.stringify(rest);
  return text.length > 56 ? `${text.slice(0, 56)}...` : text;
}

export async function runAltcraft({ startVendorMock, line }) {
  const mock = await startVendorMock("altcraft");
  console.log(`\nAltcraft — Prism mock of specs/altcraft (bundled) at ${mock.url}`);
  try {
    // throwOnError is false by default: a non-zero envelope comes back as `error`.
    const client = createAltcraftClient({ token: "demo-altcraft-token", baseUrl: mock.url });
    const email = "example@example.com";
    const profile_id = "5d63dbdb439e7306b596c5d0";
    // [section, method, body]: one method per section of the API reference.
    const calls = [
      [
        "profiles",
        "profiles/import",
        { db_id: 1, resource_id: 1, matching: "email", email, data: { _fname: "Jim", _lname: "Jones", email, phones: ["+79000000000"] } },
      ],
      ["subscriptions", "subscriptions/list", { db_id: 1, profile_id }],
      [
        "action history",
        "subscribers/history_get",
        { list_id: 1, matching: "email", email, date_from: "2024-07-15", date_to: "2024-10-09" },
      ],
      [
        "relations",
        "relations/edit",
        { rel_id: 3, profile_a: { profile_id }, profile_b: { profile_id: "5d441038439e7363f3c26539" }, weights: { user_like: 2 } },
      ],
      ["databases", "databases/get/", { id: 1 }],
      ["resources", "resources/list", { limit: 10 }],
      [
        "resources (web push)",
        "resources/push_subscribe",
        {
          id: "",
          resource_token: "demo-resource-token",
          subscriptions: [{ provider: "firefox-firebase", subscription_id: "demo-firebase-token" }],
        },
      ],
      ["segments", "segments/get/", { id: 1 }],
      ["static segments", "profiles/segstatic/add", { segment_id: 1, db_id: 1, profile_id }],
      ["suppression lists", "suppresses/get", { id: 3 }],
      ["mailings (campaigns)", "campaigns/get_status", { id: 82 }],
      ["regular campaigns", "campaigns/regulars/get", { id: 15 }],
      ["trigger campaigns", "campaigns/triggers/start", { id: 7, matching: "email", email }],
      ["super-campaigns", "scampaigns/get_status", { id: 10 }],
      ["automation scenarios", "workflows/start", { id: 3, matching: "profile_id", profile_id }],
      ["promo codes", "promocodes/get", { code: "CODE-1", loyalty_id: 5 }],
      ["goals", "goals/register", { db_id: 1, pixel_id: 2, goal: "purchase", value: 9.5, matching: "email", email }],
      ["market", "market/orders/list", { from_id: "", limit: 1 }],
    ];
    for (const [section, method, body] of calls) {
      const { data, error, response } = await client.POST(`/api/v1.1/${method}`, { body });
      line(section, `${method} HTTP ${response.status} error ${data?.error ?? error?.error} ${payload(data ?? error)}`);
      if (error !== undefined || data?.error !== 0) throw new Error(`${method} failed`);
    }

    // The mock answers every page with the same example (next_from_id 8 whatever from_id is sent), so
    // the walk is capped; without maxPages the client would stop with a "cursor did not move" error.
    const pages = [];
    for await (const page of client.paginate("POST", "/api/v1.1/campaigns/list", { body: { limit: 2 } }, { maxPages: 2 }).pages()) {
      pages.push(page);
    }
    const ids = pages.flatMap((page) => page.items.map((campaign) => campaign.id));
    line(
      "paginate campaigns/list, maxPages 2",
      `walked ${pages.length} pages of the mock: ${pages.map((p) => p.items.length).join("+")} campaigns (ids ${ids.join(",")}); the mock repeats one example, next_from_id stays ${pages.at(-1).data.next_from_id}`,
    );
    if (pages.length !== 2) throw new Error("paginate did not walk 2 pages");

    const profiles = Array.from({ length: 300 }, (_, n) => ({
      _fname: `Profile ${n}`,
      subscriptions: [{ channel: "email", email_data: { email: `p${n}@example.com` }, resource_id: 1 }],
    }));
    const report = await client.sendBatch("POST", "/api/v1.1/profiles/add_batch/", profiles, { db_id: 1, skip_triggers: true });
    line(
      "sendBatch profiles/add_batch/, 300",
      `${report.requests.accepted + report.requests.failed} request(s), ${report.accepted} accepted, ${report.failed.length} failed`,
    );
    if (!report.ok) throw new Error("sendBatch reported failures");

    const strict = createAltcraftClient({ token: "demo-altcraft-token", baseUrl: mock.url, throwOnError: true });
    try {
      await strict.POST("/api/v1.1/profiles/get", { body: { db_id: 1, email }, headers: { Prefer: "example=tokenRequired" } });
      throw new Error("the error-401 envelope was not raised");
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      line("error 401 in HTTP 200, throwOnError", `${error.name}: ${error.code} ${error.meaning}`);
    }
  } finally {
    await mock.stop();
  }
}
