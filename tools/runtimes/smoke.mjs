// The smoke program, run unchanged on every runtime: a client per vendor against its Prism mock (URLs in
// CDPKIT_<VENDOR>_URL), one operation each, and one batch helper (DFINERY sendEvents over 250 events).
// Prints one JSON line of what came back; the test compares it, so nothing here decides success.
import { createAltcraftClient } from "@cdpkit/altcraft";
import { createDfineryClient } from "@cdpkit/dfinery";
import { createKameleoonClient } from "@cdpkit/kameleoon";
import { createSyneriseClient } from "@cdpkit/synerise";

const env = globalThis.process?.env ?? globalThis.Deno.env.toObject();
const answer = ({ response, data }) => ({ status: response.status, data });

const dfinery = createDfineryClient({ serviceId: "smoke", importToken: "smoke-import-token", baseUrl: env.CDPKIT_DFINERY_URL });
const identity = { external_id: "smoke-user" };
const dfineryCall = await dfinery.POST("/api/v1/identities", { body: { identity, request_datetime: new Date().toISOString() } });
const report = await dfinery.sendEvents(
  identity,
  Array.from({ length: 250 }, (_, n) => ({ event_name: "df_view_home", event_properties: { n } })),
);

const synerise = createSyneriseClient({ auth: { type: "workspace", apiKey: "smoke-api-key" }, baseUrl: env.CDPKIT_SYNERISE_URL });
const syneriseCall = await synerise.GET("/v4/clients/{clientId}/tags", { params: { path: { clientId: 42 } } });

const altcraft = createAltcraftClient({ token: "smoke-altcraft-token", baseUrl: env.CDPKIT_ALTCRAFT_URL });
const altcraftCall = await altcraft.POST("/api/v1.1/scampaigns/get_status", { body: { id: 10 } });

const kameleoon = createKameleoonClient({ siteCode: "a1b2c3d4e5", baseUrl: env.CDPKIT_KAMELEOON_URL });
const kameleoonCall = await kameleoon.GET("/map/map", { params: { query: { key: "smoke-user" } } });

console.log(
  JSON.stringify({
    dfinery: answer(dfineryCall),
    sendEvents: { ok: report.ok, accepted: report.accepted, failed: report.failed.length, requests: report.requests },
    synerise: { ...answer(syneriseCall), logins: synerise.auth.stats.logins },
    altcraft: answer(altcraftCall),
    kameleoon: answer(kameleoonCall),
  }),
);
