// Logs in with a workspace API key and calls two operations. The client logs in on the first call,
// keeps the JWT, renews it shortly before it expires (and once after a 401, one login in flight), and
// fills in the Api-Version header.
//
//   SYNERISE_API_KEY=... npx tsx synerise/login-and-call.ts [clientId]
import { createSyneriseClient } from "@cdpkit/synerise";
import { env, optionalEnv } from "../env.js";

const synerise = createSyneriseClient({
  auth: { type: "workspace", apiKey: env("SYNERISE_API_KEY") },
  baseUrl: optionalEnv("SYNERISE_BASE_URL"),
  throwOnError: true,
});

const { data: business } = await synerise.GET("/uauth/business-profile/current");
console.log(`workspace: ${business?.data?.name ?? "(no name)"}`);

const clientId = Number(process.argv[2] ?? 42);
const { data: profile } = await synerise.GET("/v4/clients/{clientId}", { params: { path: { clientId } } });
console.log(`profile ${clientId}: ${profile?.email ?? "(no email)"}, ${profile?.firstName ?? ""} ${profile?.lastName ?? ""}`.trimEnd());

// Both calls shared one login.
console.log(`logins: ${synerise.auth.stats.logins}`);
