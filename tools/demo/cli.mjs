// The cdpkit command's main job: a file of events imported into a Prism mock of DFINERY's spec, with
// progress lines, a checkpoint and a dead-letter file for the records that could not go.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const bin = join(dirname(fileURLToPath(import.meta.resolve("@cdpkit/cli"))), "bin.js");

function sampleFile(path) {
  const lines = [];
  for (let n = 0; n < 500; n++) {
    const identity = { external_id: `dfn-user-${n % 20}` };
    lines.push(JSON.stringify({ identity, event: { event_name: "df_view_product", event_properties: { n } } }));
  }
  // The bad records: no identity key, an empty event name, an impossible date, a line that is not JSON.
  lines[41] = JSON.stringify({ identity: {}, event: { event_name: "df_login" } });
  lines[142] = JSON.stringify({ identity: { external_id: "dfn-user-2" }, event: { event_name: "" } });
  lines[243] = JSON.stringify({
    identity: { external_id: "dfn-user-3" },
    event: { event_name: "df_purchase", event_datetime: "2025-02-30T10:00:00Z" },
  });
  lines[344] = '{"identity": {"external_id": "dfn-user-4"}, "event": ';
  writeFileSync(path, `${lines.join("\n")}\n`);
  return 4;
}

export async function runCli({ startVendorMock, line }) {
  const mock = await startVendorMock("dfinery");
  const dir = mkdtempSync(join(tmpdir(), "cdpkit-demo-cli-"));
  console.log(`\ncdpkit import — events.ndjson into the Prism mock of DFINERY at ${mock.url}`);
  try {
    const input = join(dir, "events.ndjson");
    const bad = sampleFile(input);
    const deadLetter = join(dir, "events.dead-letter.ndjson");
    const args = [bin, "import", "dfinery", "events", input, "--base-url", mock.url, "--checkpoint", join(dir, "events.ckpt")];
    args.push("--dead-letter", deadLetter, "--progress", "lines", "--progress-interval", "500");
    console.log(`  $ cdpkit import dfinery events events.ndjson --checkpoint events.ckpt --dead-letter events.dead-letter.ndjson`);
    const code = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, {
        env: { ...process.env, DFINERY_SERVICE_ID: "demo-service", DFINERY_IMPORT_TOKEN: "demo-import-token" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const indent = (chunk) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, "  | "));
      child.stdout.on("data", indent);
      child.stderr.on("data", indent);
      child.on("error", reject);
      child.on("exit", resolve);
    });
    const letters = readFileSync(deadLetter, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    for (const { _deadLetter: reason } of letters)
      line(`dead letter, line ${reason.line}`, `${reason.error}: ${reason.message.slice(0, 90)}`);
    // Exit 1: some records failed and are in the dead-letter file, ready to fix and import again.
    if (code !== 1 || letters.length !== bad)
      throw new Error(`cdpkit import exited ${code} with ${letters.length} dead letters, expected 1 and ${bad}`);
    line("exit code", `${code} (some records dead-lettered; the rest accepted)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await mock.stop();
  }
}
