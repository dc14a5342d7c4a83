// Lists every campaign, page by page: `paginate` sends each page's `next_from_id` back as `from_id`
// until the list ends (and stops with an error rather than loop if the cursor ever stops moving).
//
//   ALTCRAFT_TOKEN=... ALTCRAFT_BASE_URL=https://<your host> npx tsx altcraft/page-through-campaigns.ts [maxPages]
import { createAltcraftClient } from "@cdpkit/altcraft";
import { env } from "../env.js";

const altcraft = createAltcraftClient({ token: env("ALTCRAFT_TOKEN"), baseUrl: env("ALTCRAFT_BASE_URL"), throwOnError: true });

// A ceiling on the walk, as a long list would otherwise be read to its end.
const maxPages = Number(process.argv[2] ?? 10);
let campaigns = 0;
for await (const campaign of altcraft.paginate("POST", "/api/v1.1/campaigns/list", { body: { limit: 100 } }, { maxPages })) {
  campaigns++;
  console.log(`campaign ${campaign.id}: ${campaign.name}`);
}
console.log(`listed ${campaigns} campaigns`);
