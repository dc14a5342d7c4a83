import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEventsServer, type EventsServer } from "../../redis/test/events-server.js";
import { DFINERY_ENV, startCli, until } from "./run-cli.js";

/**
 * The resume guarantee end to end: 100,000 DFINERY events imported by the built command into a local
 * server that stores events by event_log_id (DFINERY's dedup key) and answers 2% of requests with a
 * 503; the process is stopped mid-run (SIGKILL, then separately SIGINT) and the same command is run
 * again. Every record must end stored or in the dead-letter file, never both, none stored under two
 * ids, none lost.
 */
const RECORDS = 100_000;
const USERS = 100;
const POISON_EVERY = 4000;

let dir: string;
let file: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cdpkit-cli-resume-"));
  file = join(dir, "events.ndjson");
  // Record n belongs to user n % 100; every 4,000th is refused by the server, and with it its request.
  const lines: string[] = [];
  for (let n = 0; n < RECORDS; n++) {
    lines.push(
      JSON.stringify({
        identity: { external_id: `user-${n % USERS}` },
        event: {
          event_name: n % POISON_EVERY === 1234 ? "poison" : "df_view",
          event_datetime: "2025-05-13T06:01:48.501Z",
          event_properties: { seq: n },
        },
      }),
    );
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  server: EventsServer;
  deadLetters: Map<number, string>;
  summary: Record<string, unknown>;
}

async function importStoppedBy(signal: "SIGKILL" | "SIGINT", name: string): Promise<Outcome & { stoppedCode: number | null }> {
  const server = await startEventsServer({ transientFailureRate: 0.02 });
  const args = [
    "import",
    "dfinery",
    "events",
    file,
    "--base-url",
    server.url,
    "--checkpoint",
    join(dir, `${name}.ckpt`),
    "--dead-letter",
    join(dir, `${name}.dead.ndjson`),
    "--progress",
    "lines",
    "--json",
  ];
  try {
    const first = startCli(args, { env: DFINERY_ENV });
    await until(() => server.storedIds.size >= RECORDS * 0.3, 45_000, "30% stored");
    first.child.kill(signal);
    const stopped = await first.done;
    if (signal === "SIGKILL") expect(stopped.signal).toBe("SIGKILL");
    const storedAtStop = server.storedIds.size;
    expect(storedAtStop).toBeLessThan(RECORDS);
    const duplicatesBefore = server.duplicates;

    const second = await startCli(args, { env: DFINERY_ENV }).done;
    expect(second.stderr).not.toContain(DFINERY_ENV.DFINERY_IMPORT_TOKEN);
    const summary = JSON.parse(second.stdout) as Record<string, unknown>;
    // Some requests carried a poisoned event: dead-lettered, so exit 1.
    expect(second.code).toBe(1);
    expect(summary).toMatchObject({ status: "complete", exitCode: 1 });
    expect(summary.skipped as number).toBeGreaterThan(0);

    const deadLetters = new Map<number, string>();
    const text = readFileSync(join(dir, `${name}.dead.ndjson`), "utf8");
    expect(text).not.toContain(DFINERY_ENV.DFINERY_IMPORT_TOKEN);
    for (const line of text.trim().split("\n")) {
      const { _deadLetter: reason, record } = JSON.parse(line) as {
        _deadLetter: { line: number; status: number; message: string };
        record: { event: { event_properties: { seq: number } } };
      };
      const seq = record.event.event_properties.seq;
      expect(deadLetters.has(seq), `record ${seq} dead-lettered twice`).toBe(false);
      expect(reason.line).toBe(seq + 1);
      deadLetters.set(seq, `${reason.status} ${reason.message}`);
    }
    for (const ckptLine of [readFileSync(join(dir, `${name}.ckpt`), "utf8")]) expect(ckptLine).not.toContain("SECRET");
    console.log(
      `${signal}: stopped with ${storedAtStop} stored (${duplicatesBefore} duplicate deliveries so far); resumed run: ${JSON.stringify(summary)}; server: ${server.storedIds.size} stored, ${server.duplicates} re-sent ids deduplicated`,
    );
    return { server, deadLetters, summary, stoppedCode: stopped.code };
  } finally {
    await server.close();
  }
}

function expectEveryRecordAccountedFor({ server, deadLetters }: Outcome): void {
  const lost: number[] = [];
  let twice = 0;
  for (let n = 0; n < RECORDS; n++) {
    const ids = server.idsBySeq.get(n);
    if (ids && ids.size > 1) twice++;
    if (ids && deadLetters.has(n)) twice++;
    if (!ids && !deadLetters.has(n)) lost.push(n);
  }
  expect(lost).toEqual([]);
  expect(twice).toBe(0);
  expect(server.storedIds.size + deadLetters.size).toBe(RECORDS);
  // The dead letters are the poisoned requests (up to 100 events each) with the server's 400, and
  // requests whose 503s outlasted the retries, with theirs.
  const poisoned = RECORDS / POISON_EVERY;
  expect(deadLetters.size).toBeGreaterThanOrEqual(poisoned);
  expect([...deadLetters.values()].every((reason) => reason.startsWith("400 ") || reason.startsWith("503 "))).toBe(true);
}

it("resumes after SIGKILL from its checkpoint: nothing lost, nothing stored twice", async () => {
  const outcome = await importStoppedBy("SIGKILL", "kill");
  expectEveryRecordAccountedFor(outcome);
}, 120_000);

it("resumes after SIGINT: the checkpoint was flushed on the way out, so nothing accepted is sent again", async () => {
  const outcome = await importStoppedBy("SIGINT", "interrupt");
  // Ctrl-C lets the requests in flight finish, saves, and exits 130 (resumable).
  expect(outcome.stoppedCode).toBe(130);
  expectEveryRecordAccountedFor(outcome);
  expect(outcome.server.duplicates).toBe(0);
}, 120_000);
