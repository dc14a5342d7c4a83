// Pages through the CRM profile list. `paginate` asks for the next page (offset and limit here) until
// the list ends; iterate the items directly, or `.pages()` for whole pages. This one uses Basic auth
// (workspace GUID and API key), which needs no login.
//
//   SYNERISE_WORKSPACE_GUID=... SYNERISE_API_KEY=... npx tsx synerise/page-through-profiles.ts [maxPages]
import { createSyneriseClient } from "@cdpkit/synerise";
import { env, optionalEnv } from "../env.js";

const synerise = createSyneriseClient({
  auth: { type: "basic", workspaceGuid: env("SYNERISE_WORKSPACE_GUID"), apiKey: env("SYNERISE_API_KEY") },
  baseUrl: optionalEnv("SYNERISE_BASE_URL"),
});

// A ceiling on the walk, as a long list would otherwise be read to its end.
const maxPages = Number(process.argv[2] ?? 10);
let pages = 0;
let profiles = 0;
for await (const page of synerise.paginate("GET", "/crm/v1/list", { params: { query: { limit: 100 } } }, { maxPages }).pages()) {
  pages++;
  profiles += page.items.length;
  console.log(`page ${pages}: ${page.items.length} profiles`);
}
console.log(`read ${profiles} profiles in ${pages} pages`);
