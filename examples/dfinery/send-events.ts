// Sends any number of events for one user, with a progress line after every request, and prints what
// became of each event: DFINERY takes at most 100 events per request, so the client splits them, fills
// in event_log_id (a retry cannot double-count) and reports every event as accepted or failed.
//
//   DFINERY_SERVICE_ID=... DFINERY_IMPORT_TOKEN=... npx tsx dfinery/send-events.ts [count]
import { createDfineryClient, type DfineryEventInput } from "@cdpkit/dfinery";
import { env, optionalEnv } from "../env.js";

const dfinery = createDfineryClient({
  serviceId: env("DFINERY_SERVICE_ID"),
  importToken: env("DFINERY_IMPORT_TOKEN"),
  baseUrl: optionalEnv("DFINERY_BASE_URL"),
});

const count = Number(process.argv[2] ?? 250);
const events: DfineryEventInput[] = Array.from({ length: count }, (_, n) => ({
  event_name: "df_view_home",
  event_properties: { position: n },
}));

const report = await dfinery.sendEvents({ external_id: "example-user-1" }, events, {
  onProgress: (p) => console.log(`progress: ${p.read} read, ${p.accepted} accepted, ${p.failed} failed, ${p.requests} requests`),
});

console.log(`sent ${report.read} events in ${report.requests.accepted + report.requests.failed} requests: ${report.accepted} accepted`);
for (const failure of report.failed) {
  console.log(`event ${failure.position} failed: ${failure.error.name}: ${failure.error.message}`);
}
process.exitCode = report.ok ? 0 : 1;
