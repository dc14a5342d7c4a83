// Adds profiles to a database in batches (profiles/add_batch/, within Altcraft's documented limit per
// request), printing progress, then what became of each profile. A write is never sent twice: when its
// outcome is unknown (the connection dropped after sending), the profile is reported failed with
// WriteOutcomeUnknownError, for you to check before sending it again.
//
//   ALTCRAFT_TOKEN=... ALTCRAFT_BASE_URL=https://<your host> npx tsx altcraft/import-profiles.ts [databaseId] [count]
import { createAltcraftClient } from "@cdpkit/altcraft";
import { env } from "../env.js";

const altcraft = createAltcraftClient({ token: env("ALTCRAFT_TOKEN"), baseUrl: env("ALTCRAFT_BASE_URL") });

const db_id = Number(process.argv[2] ?? 1);
const count = Number(process.argv[3] ?? 300);
const profiles = Array.from({ length: count }, (_, n) => ({
  _fname: `Profile ${n}`,
  subscriptions: [{ channel: "email", email_data: { email: `profile${n}@example.com` }, resource_id: 1 }],
}));

const report = await altcraft.sendBatch(
  "POST",
  "/api/v1.1/profiles/add_batch/",
  profiles,
  { db_id, skip_triggers: true },
  {
    onProgress: (p) => console.log(`progress: ${p.accepted} accepted, ${p.failed} failed of ${p.read} read`),
  },
);
console.log(`imported ${report.accepted} of ${report.read} profiles in ${report.requests.accepted + report.requests.failed} requests`);
for (const failure of report.failed) console.log(`profile ${failure.position}: ${failure.error.message}`);
process.exitCode = report.ok ? 0 : 1;
