import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { createTestServer, json } from "@cdpkit/testkit";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { startEventsServer, type EventsServer } from "../../redis/test/events-server.js";
import { DFINERY_ENV, runCli } from "./run-cli.js";

let server: EventsServer;
let dir: string;

beforeAll(async () => {
  server = await startEventsServer();
  dir = mkdtempSync(join(tmpdir(), "cdpkit-cli-formats-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.server.reset();
  server.storedIds.clear();
  server.idsBySeq.clear();
});

const file = (name: string, content: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const stored = () =>
  server.server.requests.flatMap((r) =>
    (r.json as { common: { identity: unknown }; events: Record<string, unknown>[] }).events.map((event) => ({
      identity: (r.json as { common: { identity: unknown } }).common.identity,
      event,
    })),
  );
const deadLetters = (path: string) =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { _deadLetter: { line: number; record: number; message: string }; record: Record<string, unknown> });
const importArgs = (path: string, ...more: string[]) => [
  "import",
  "dfinery",
  "events",
  path,
  "--base-url",
  server.url,
  "--progress",
  "none",
  "--json",
  ...more,
];

it("imports CSV: dotted headers build the record, :types read the cells, bad rows are dead-lettered with their line", async () => {
  const csv = file(
    "events.csv",
    [
      "identity.external_id,event.event_name,event.event_properties.seq:integer,event.event_properties.price:number,event.event_properties.note",
      'u-1,df_purchase,1,12.5,"with, a comma"',
      "u-1,df_purchase,2,not-a-number,x",
      ",df_login,3,1,",
      "u-2,df_login,4,0.5,",
      "u-2,df_login,5",
    ].join("\n"),
  );
  const deadLetter = join(dir, "csv.dead.ndjson");
  const result = await runCli(importArgs(csv, "--dead-letter", deadLetter), { env: DFINERY_ENV });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ format: "csv", read: 5, accepted: 2, failed: 3, status: "complete" });
  expect(stored().map((s) => s.event.event_properties)).toEqual([
    { seq: 1, price: 12.5, note: "with, a comma" },
    { seq: 4, price: 0.5 },
  ]);
  expect(stored()[0]!.identity).toEqual({ external_id: "u-1" });
  const letters = deadLetters(deadLetter);
  expect(letters.map((l) => l._deadLetter.line)).toEqual([3, 4, 6]);
  expect(letters[0]!._deadLetter.message).toContain('Invalid number value "not-a-number"');
  // The bad cell is kept as text, so the record can be fixed and fed back as NDJSON.
  expect(letters[0]!.record).toMatchObject({ event: { event_properties: { seq: 2, price: "not-a-number" } } });
  expect(letters[1]!._deadLetter.message).toContain("identity needs at least one of");
  expect(letters[2]!._deadLetter.message).toContain("has 3 cells but the header has 5 columns");
});

it("imports gzip NDJSON, streamed, with a derived event_log_id that is the same on every run", async () => {
  const lines = Array.from({ length: 1000 }, (_, n) =>
    JSON.stringify({ identity: { external_id: `u-${n % 7}` }, event: { event_name: "df_view", event_properties: { seq: n } } }),
  );
  const gz = file("events.ndjson.gz", gzipSync(`${lines.join("\n")}\n`));
  const first = await runCli(importArgs(gz), { env: DFINERY_ENV });
  expect(first.code).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({ format: "ndjson", read: 1000, accepted: 1000, failed: 0 });
  expect(server.storedIds.size).toBe(1000);
  const ids = new Set(server.storedIds);
  // Seven identities: one request per identity and window (up to 100 events each).
  expect(server.server.requests.length).toBeGreaterThanOrEqual(7 * 2);
  const again = await runCli(importArgs(gz), { env: DFINERY_ENV });
  expect(again.code).toBe(0);
  expect(server.duplicates).toBe(1000);
  expect(server.storedIds).toEqual(ids);
});

it("reads a JSON array streamed, naming each element's line; a dead-letter file imports back once fixed", async () => {
  const array = file(
    "events.json",
    JSON.stringify(
      [
        { identity: { external_id: "u-1" }, event: { event_name: "df_view", event_properties: { seq: 1 } } },
        { identity: { external_id: "u-1" }, event: { event_name: "", event_properties: { seq: 2 } } },
        { identity: { external_id: "u-1" }, event: { event_name: "df_view", event_properties: { seq: 3 } } },
      ],
      null,
      2,
    ),
  );
  const deadLetter = join(dir, "array.dead.ndjson");
  const result = await runCli(importArgs(array, "--dead-letter", deadLetter), { env: DFINERY_ENV });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ format: "json", read: 3, accepted: 2, failed: 1 });
  const [letter] = deadLetters(deadLetter);
  // The second element's "{" is on line 13 of the pretty-printed array.
  expect(letter!._deadLetter).toMatchObject({ line: 13, record: 1 });
  expect(readFileSync(array, "utf8").split("\n")[12]).toBe("  {");

  const fixed = file("fixed.ndjson", readFileSync(deadLetter, "utf8").replace('"event_name":""', '"event_name":"df_fixed"'));
  const refed = await runCli(importArgs(fixed), { env: DFINERY_ENV });
  expect(refed.code).toBe(0);
  expect(stored().find((s) => s.event.event_name === "df_fixed")?.event).toMatchObject({ event_properties: { seq: 2 } });
});

it("--dry-run checks every record and sends nothing", async () => {
  const ndjson = file(
    "dry.ndjson",
    [
      JSON.stringify({ identity: { external_id: "u-1" }, event: { event_name: "df_view" } }),
      JSON.stringify({ identity: { external_id: "u-1" }, event: { event_name: "df_view", event_datetime: "2025-02-30T00:00:00Z" } }),
      "{broken",
      JSON.stringify({ identity: { external_id: "u-2" }, event: { event_name: "df_view" } }),
    ].join("\n"),
  );
  const result = await runCli(importArgs(ndjson, "--dry-run"), { env: {} });
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout)).toMatchObject({ dryRun: true, read: 4, accepted: 2, failed: 2, sent: 0, requests: 2 });
  expect(server.server.requests).toHaveLength(0);
});

it("stops with exit 3 when the credentials are refused, dead-letters nothing and keeps the records for the next run", async () => {
  const refusing = await createTestServer();
  refusing.route("POST /api/v1/events", (_req, res) => json(res, 401, { status: false, code: "40201", message: "INVALID_ACCESS_TOKEN" }));
  try {
    const ndjson = file("auth.ndjson", JSON.stringify({ identity: { external_id: "u-1" }, event: { event_name: "df_view" } }));
    const deadLetter = join(dir, "auth.dead.ndjson");
    const checkpoint = join(dir, "auth.ckpt");
    const args = ["import", "dfinery", "events", ndjson, "--base-url", refusing.url, "--progress", "none", "--json"];
    const result = await runCli([...args, "--dead-letter", deadLetter, "--checkpoint", checkpoint], { env: DFINERY_ENV });
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: "stopped", accepted: 0, failed: 0 });
    expect(readFileSync(deadLetter, "utf8")).toBe("");
    expect(JSON.parse(readFileSync(checkpoint, "utf8"))).toMatchObject({ settledThrough: 0, settledAhead: [], complete: false });
    for (const text of [result.stdout, result.stderr, readFileSync(checkpoint, "utf8")])
      expect(text).not.toContain(DFINERY_ENV.DFINERY_IMPORT_TOKEN);
    // The request carried the token: it is the credential that was refused, never echoed.
    expect(refusing.requests[0]!.headers.access_token).toBe(DFINERY_ENV.DFINERY_IMPORT_TOKEN);
  } finally {
    await refusing.close();
  }
});

it("usage errors exit 2 before anything is sent", async () => {
  const missing = await runCli(["import", "dfinery", "events", join(dir, "nope.ndjson")], { env: DFINERY_ENV });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("cannot read");
  const kind = await runCli(["import", "dfinery", "nonsense", "-"], { env: DFINERY_ENV });
  expect(kind.code).toBe(2);
  expect(kind.stderr).toContain('dfinery has no import kind "nonsense"');
  const noCredentials = await runCli(importArgs(file("one.ndjson", "{}\n")), { env: { DFINERY_SERVICE_ID: "", DFINERY_IMPORT_TOKEN: "" } });
  expect(noCredentials.code).toBe(2);
  expect(noCredentials.stderr).toContain("DFINERY_IMPORT_TOKEN");
  expect(server.server.requests).toHaveLength(0);
});
