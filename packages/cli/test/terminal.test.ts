import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEventsServer, type EventsServer } from "../../redis/test/events-server.js";
import { BIN, DFINERY_ENV, runCli } from "./run-cli.js";

/** The progress display as a person sees it: under a pseudo-terminal (`script`), a bar; in a pipe, lines. */
let server: EventsServer;
let dir: string;
let input: string;

beforeAll(async () => {
  server = await startEventsServer();
  dir = mkdtempSync(join(tmpdir(), "cdpkit-cli-tty-"));
  input = join(dir, "events.ndjson");
  const lines = Array.from({ length: 3000 }, (_, n) =>
    JSON.stringify({ identity: { external_id: `u-${n % 10}` }, event: { event_name: "df_view", event_properties: { seq: n } } }),
  );
  writeFileSync(input, `${lines.join("\n")}\n`);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const quote = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;

it("renders a progress bar on a terminal and finishes it at 100%", async () => {
  const command = [process.execPath, BIN, "import", "dfinery", "events", input, "--base-url", server.url].map(quote).join(" ");
  // util-linux `script` runs the command under a pseudo-terminal; its output is what the terminal showed.
  const { stdout } = await promisify(execFile)("script", ["-qec", `stty cols 200; ${command}`, "/dev/null"], {
    env: { ...process.env, ...DFINERY_ENV, TERM: "xterm", COLUMNS: "160" },
    timeout: 60_000,
  });
  expect(stdout).toContain("import dfinery events");
  expect(stdout).toMatch(/█+/);
  // The last frame: the whole file read, every record accepted, then the summary.
  expect(stdout).toMatch(/import dfinery events █+ 100% \| 3,000 read, [\d,]+\/s \| sent 3,000 \| accepted 3,000 \| failed 0 \| ETA 0s/);
  // Frames before it show the bar filling as records are settled, not as the file is read.
  expect(stdout).toMatch(/░+ \d{1,2}% \| [\d,]+ read/);
  expect(stdout).toContain("3,000 records read, 3,000 sent, 3,000 accepted, 0 failed");
  expect(server.storedIds.size).toBe(3000);
});

it("prints plain progress lines when stderr is not a terminal", async () => {
  const result = await runCli(["import", "dfinery", "events", input, "--base-url", server.url, "--progress-interval", "1"], {
    env: DFINERY_ENV,
  });
  expect(result.code).toBe(0);
  expect(result.stderr).not.toContain("█");
  expect(result.stderr.trim().split("\n").at(-1)).toMatch(
    /^import dfinery events: 3,000 records read \(100% done\), 3,000 sent, 3,000 accepted, 0 failed, [\d,]+ records\/s$/,
  );
});
