// A consumer of @cdpkit/dfinery, for bench/typecheck.mjs: every operation once, typed.
import { createDfineryClient } from "@cdpkit/dfinery";

const client = createDfineryClient({ serviceId: "svc", importToken: "t", exportToken: "e" });
const identity = { external_id: "u1" };
export async function use(): Promise<number> {
  const a = await client.POST("/api/v1/identities", { body: { identity, request_datetime: new Date().toISOString() } });
  const b = await client.POST("/api/v1/user-profile", {
    body: { identity, user_properties: { df_gender: "Female" }, request_datetime: new Date().toISOString() },
  });
  const c = await client.POST("/api/v1/identities/delete", { body: { identity, request_datetime: new Date().toISOString() } });
  const report = await client.sendEvents(identity, [{ event_name: "df_login", event_properties: null }]);
  return [a.response.status, b.response.status, c.response.status, report.accepted].reduce((x, y) => x + y, 0);
}
