// Reads what Kameleoon knows about a visitor: the current visit and the previous ones, with their
// conversions. A call that names no visitor is refused before anything is sent.
//
//   KAMELEOON_SITE_CODE=... npx tsx kameleoon/read-visitor.ts <visitorCode>
import { createKameleoonClient } from "@cdpkit/kameleoon";
import { env, optionalEnv } from "../env.js";

const kameleoon = createKameleoonClient({
  siteCode: env("KAMELEOON_SITE_CODE"),
  baseUrl: optionalEnv("KAMELEOON_BASE_URL"),
  throwOnError: true,
});

const visitorCode = process.argv[2] ?? "visitor-1";
const { data } = await kameleoon.GET("/visit/visitor", {
  params: { query: { visitorCode, maxNumberPreviousVisits: 5, currentVisit: true, conversion: true } },
});
const visits = [...(data?.currentVisit ? [data.currentVisit] : []), ...(data?.previousVisits ?? [])];
console.log(`visitor ${visitorCode}: ${visits.length} visits`);
for (const visit of visits) {
  console.log(`  visit ${visit.code ?? "?"}: ${visit.conversionEvents?.length ?? 0} conversions`);
}
