// The demo: starts a Prism mock of each vendor spec on loopback and calls the clients through the
// published packages (built dist/, as a user would import them), printing what came back: every DFINERY
// operation, Synerise one operation per area, one method of every Altcraft section (with paginate and
// sendBatch), every Kameleoon endpoint, and each vendor's helpers; then the cdpkit command imports a file
// with a few bad records into the DFINERY mock (progress lines, checkpoint, dead-letter file).
import { startVendorMock } from "@cdpkit/mock";
import { createDfineryClient, VendorError } from "@cdpkit/dfinery";
import { runAltcraft } from "./altcraft.mjs";
import { runCli } from "./cli.mjs";
import { runKameleoon } from "./kameleoon.mjs";
import { runSynerise } from "./synerise.mjs";

const line = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);

async function dfinery() {
  const mock = await startVendorMock("dfinery");
  console.log(`\nDFINERY — Prism mock of specs/dfinery/openapi.yaml at ${mock.url}`);
  try {
    const client = createDfineryClient({
      serviceId: "demo-service",
      importToken: "demo-import-token",
      exportToken: "demo-export-token",
      baseUrl: mock.url,
    });
    const identity = { external_id: "dfn-user-123", email: "user@example.com" };
    const now = new Date().toISOString();

    const show = async (label, call) => {
      const { data, error, response } = await call();
      line(label, `HTTP ${response.status} ${JSON.stringify(data ?? error)}`);
      if (error !== undefined || !response.ok) throw new Error(`${label} failed with HTTP ${response.status}`);
    };
    await show("POST /api/v1/identities", () => client.POST("/api/v1/identities", { body: { identity, request_datetime: now } }));
    await show("POST /api/v1/user-profile", () =>
      client.POST("/api/v1/user-profile", {
        body: { identity, user_properties: { df_gender: "Female" }, request_datetime: now },
      }),
    );
    await show("POST /api/v1/events", () =>
      client.POST("/api/v1/events", {
        body: {
          common: { identity },
          events: [
            { event_log_id: crypto.randomUUID(), event_name: "df_login", event_datetime: now, event_properties: null, event_items: null },
          ],
        },
      }),
    );
    await show("POST /api/v1/identities/delete", () =>
      client.POST("/api/v1/identities/delete", { body: { identity: { external_id: "dfn-user-123" }, request_datetime: now } }),
    );

    const events = Array.from({ length: 250 }, (_, i) => ({ event_name: "df_view_home", event_properties: { n: i } }));
    const report = await client.sendEvents(identity, events);
    line(
      "sendEvents(250 events)",
      `${report.requests.accepted + report.requests.failed} requests, ${report.accepted} accepted, ${report.failed.length} failed`,
    );
    if (!report.ok) throw new Error("sendEvents reported failures");

    let rows = 0;
    let first;
    for await (const row of await client.exportEvents({
      events: ["df_purchase"],
      events_condition_type: "include",
      from_date: "2024-08-25",
      to_date: "2024-08-26",
    })) {
      first ??= row;
      rows++;
    }
    line(
      "exportEvents (CSV, streamed)",
      `${rows} rows; first: ${first.df_event_name} at ${first.df_event_datetime} by ${first.df_unified_id}`,
    );
    rows = 0;
    first = undefined;
    for await (const row of await client.exportUserProfiles({
      audience: "nwh3nu",
      identities: ["df_external_id"],
      identities_condition_type: "include",
    })) {
      first ??= row;
      rows++;
    }
    line("exportUserProfiles (CSV, streamed)", `${rows} rows; first: ${first.df_unified_id} gender ${first.df_gender}`);

    // The envelope rule: HTTP 200 with "status": false is an error, not data.
    try {
      await client.POST("/api/v1/events", {
        body: {
          common: { identity },
          events: [
            { event_log_id: crypto.randomUUID(), event_name: "df_login", event_datetime: now, event_properties: null, event_items: null },
          ],
        },
        headers: { Prefer: "example=tooManyEvents" },
      });
      throw new Error("the status:false envelope was not raised");
    } catch (error) {
      if (!(error instanceof VendorError)) throw error;
      line("envelope status:false", `${error.name} ${error.vendorCode} ${error.vendorMessage}`);
    }
  } finally {
    await mock.stop();
  }
}

try {
  await dfinery();
  await runSynerise({ startVendorMock, line });
  await runAltcraft({ startVendorMock, line });
  await runKameleoon({ startVendorMock, line });
  await runCli({ startVendorMock, line });
  console.log("\ndemo: every call answered as expected");
} catch (error) {
  console.error(`\ndemo failed: ${error?.stack ?? error}`);
  process.exitCode = 1;
}
