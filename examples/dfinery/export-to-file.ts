// Exports a day of purchase events to a JSON Lines file. The CSV answer is parsed as it arrives and
// written row by row, so a large export never sits whole in memory.
//
//   DFINERY_SERVICE_ID=... DFINERY_EXPORT_TOKEN=... npx tsx dfinery/export-to-file.ts purchases.jsonl
import { createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createDfineryClient } from "@cdpkit/dfinery";
import { env, optionalEnv } from "../env.js";

const file = process.argv[2] ?? "purchases.jsonl";
const dfinery = createDfineryClient({
  serviceId: env("DFINERY_SERVICE_ID"),
  exportToken: env("DFINERY_EXPORT_TOKEN"),
  baseUrl: optionalEnv("DFINERY_BASE_URL"),
});

const rows = await dfinery.exportEvents({
  events: ["df_purchase"],
  events_condition_type: "include",
  from_date: "2024-08-25",
  to_date: "2024-08-26",
});

let written = 0;
async function* jsonLines() {
  for await (const row of rows) {
    written++;
    yield `${JSON.stringify(row)}\n`;
  }
}
await pipeline(Readable.from(jsonLines()), createWriteStream(file));
console.log(`wrote ${written} rows to ${file}`);
