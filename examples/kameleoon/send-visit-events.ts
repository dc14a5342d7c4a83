// Sends conversion events for many visitors. Kameleoon's events endpoint takes lines of text; the
// client encodes each event, adds a nonce (so a retried request is not counted twice), packs the
// lines into bodies within the documented size and reports every event.
//
//   KAMELEOON_SITE_CODE=... npx tsx kameleoon/send-visit-events.ts [count]
import { createKameleoonClient, type VisitEvent } from "@cdpkit/kameleoon";
import { env, optionalEnv } from "../env.js";

const kameleoon = createKameleoonClient({ siteCode: env("KAMELEOON_SITE_CODE"), baseUrl: optionalEnv("KAMELEOON_BASE_URL") });

const count = Number(process.argv[2] ?? 500);
const events: VisitEvent[] = Array.from({ length: count }, (_, n) => ({
  eventType: "conversion",
  goalId: 123,
  revenue: n % 50,
  visitorCode: `visitor-${n}`,
}));

const report = await kameleoon.sendVisitEvents(events, {
  onProgress: (p) => console.log(`progress: ${p.accepted} accepted, ${p.failed} failed, ${p.requests} requests`),
});
console.log(`sent ${report.accepted} of ${report.read} events in ${report.requests.accepted + report.requests.failed} requests`);
for (const failure of report.failed) console.log(`event ${failure.position}: ${failure.error.message}`);
process.exitCode = report.ok ? 0 : 1;
