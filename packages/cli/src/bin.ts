#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from "commander";
import { CouldNotRunError, ExitCode, UsageError } from "./exit.js";
import { EXPORT_KINDS, runExport, type ExportFormat } from "./export.js";
import { CSV_TYPE_NAMES, INPUT_FORMATS, type InputFormat } from "./input.js";
import { runImport, type ImportSummary } from "./import.js";
import { KINDS } from "./kinds.js";
import { runMock } from "./mock.js";
import { formatOperations, listOperations, runCall } from "./ops.js";
import type { ProgressMode } from "./progress.js";
import { VENDOR_NAMES, VENDORS, vendorName } from "./vendors.js";

const number = (n: number): string => n.toLocaleString("en-US");

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a positive number");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new InvalidArgumentError("must be a JSON object");
  return parsed as Record<string, unknown>;
}

function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`"${value}" is not key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function progressMode(given: string): ProgressMode {
  if (given === "auto") return process.stderr.isTTY ? "bar" : "lines";
  if (given === "bar" || given === "lines" || given === "none") return given;
  throw new UsageError(`--progress must be auto, bar, lines or none`);
}

function settingsHelp(): string {
  return VENDOR_NAMES.map(
    (v) =>
      `  ${VENDORS[v].title}:\n${VENDORS[v].settings.map((s) => `    ${s.env.padEnd(26)} ${s.description}${s.secret ? " (secret)" : ""}`).join("\n")}`,
  ).join("\n");
}

function printImportSummary(summary: ImportSummary): void {
  const lines = [
    `${summary.dryRun ? "dry run" : "import"} ${summary.vendor} ${summary.kind} from ${summary.input} (${summary.format}): ${summary.status}`,
    summary.dryRun
      ? `  ${number(summary.read)} records checked: ${number(summary.accepted)} valid, ${number(summary.failed)} invalid; ${number(summary.requests)} requests would be sent, nothing was`
      : `  ${number(summary.read)} records read, ${number(summary.sent)} sent, ${number(summary.accepted)} accepted, ${number(summary.failed)} failed, in ${number(summary.requests)} requests`,
    `  ${(summary.elapsedMs / 1000).toFixed(1)} s, ${number(summary.recordsPerSecond)} records/s`,
  ];
  if (summary.resumedFrom !== undefined)
    lines.push(
      `  resumed: ${number(summary.skipped)} records already settled were skipped (watermark at record ${number(summary.resumedFrom)})`,
    );
  if (summary.total)
    lines.push(
      `  all ${summary.total.runs} runs of this checkpoint: ${number(summary.total.accepted)} accepted, ${number(summary.total.deadLettered)} dead-lettered`,
    );
  if (summary.deadLetter && summary.failed > 0) lines.push(`  rejected records with line and reason: ${summary.deadLetter}`);
  if (summary.status === "interrupted")
    lines.push(`  interrupted: run the same command${summary.checkpoint ? "" : " with --checkpoint FILE"} to resume`);
  if (summary.error) lines.push(`  stopped: ${summary.error}`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

const program = new Command()
  .name("cdpkit")
  .description("Bulk imports, exports and one-off calls for DFINERY, Synerise, Altcraft and Kameleoon, on the cdpkit clients.")
  .showHelpAfterError()
  .addHelpText(
    "after",
    `
Credentials come from environment variables, else a JSON config file (--config, $CDPKIT_CONFIG or
~/.config/cdpkit/config.json: {"dfinery": {"serviceId": "...", "importToken": "..."}}). They are never
printed, nor written to a checkpoint, a dead-letter file or a log.
${settingsHelp()}

Exit codes: 0 all accepted, 1 some records failed (dead-lettered), 2 usage or invalid input,
3 could not run (credentials refused, network, Redis), 130 interrupted (resume with the same command).

Examples:
  cdpkit import dfinery events purchases.ndjson.gz --checkpoint run.ckpt --dead-letter bad.ndjson
  cdpkit export synerise profiles --out profiles.ndjson
  cdpkit ops altcraft
  cdpkit call synerise GET /v4/clients/42
  cdpkit mock dfinery --port 4010`,
  );

const kindList = KINDS.map((k) => `  ${`${k.vendor} ${k.name}`.padEnd(28)} ${k.summary}\n  ${"".padEnd(28)} record: ${k.record}`).join(
  "\n",
);

program
  .command("import")
  .description("Import records from a file (NDJSON, JSON array or CSV, optionally gzip) or - (stdin), streamed, resumable")
  .argument("<vendor>", VENDOR_NAMES.join(" | "))
  .argument("<kind>", "what the records are (see below)")
  .argument("<file>", "a file, or - for standard input")
  .addOption(new Option("--format <format>", "input format (default: from the extension, else sniffed)").choices(INPUT_FORMATS as string[]))
  .option("--dry-run", "check every record as the real run would, send nothing")
  .option("--dead-letter <file>", "write every rejected record (line, reason, the record) as NDJSON, ready to fix and import again")
  .option("--checkpoint <file>", "record progress durably; the same command resumes after a crash, SIGKILL or Ctrl-C")
  .option("--rate <n>", "at most n records per second (shared with every worker using the same --redis)", positiveNumber)
  .option("--concurrency <n>", "requests in flight at once", positiveInteger, 4)
  .option("--redis <url>", "share the rate-limit budget with other workers through Redis")
  .option("--common <json>", "body fields sent with every request (Altcraft: '{\"db_id\": 1}')", jsonObject)
  .option("--json", "print the summary as JSON")
  .option("--progress <mode>", "auto | bar | lines | none (auto: a bar on a terminal, lines otherwise)", "auto")
  .option("--progress-interval <ms>", "time between two progress lines", positiveInteger, 2000)
  .option("--config <file>", "credentials file (JSON, a section per vendor)")
  .option("--base-url <url>", "send to another server (a proxy, cdpkit mock)")
  .addHelpText(
    "after",
    `
Kinds and their records:
${kindList}

Records: NDJSON (one JSON object per line), a JSON array, or CSV with a header row whose dotted names
build nested fields and whose ":type" suffix (${CSV_TYPE_NAMES.join(", ")}) reads a column as that type
(default: text, with true/false and JSON arrays recognised), e.g.
  identity.external_id,event.event_name,event.event_properties.price:number
An empty CSV cell leaves the field out. A dead-letter file is valid input: each line's "record" is read.

Idempotency: a record without its vendor's dedup key (DFINERY event_log_id, Synerise eventSalt,
Kameleoon nonce) gets one derived from the vendor, kind, line and content, so a record re-sent after
a crash carries the same id and is stored once. Altcraft's batch methods have no such key.

Examples:
  cdpkit import dfinery events events.ndjson --checkpoint events.ckpt --dead-letter events.bad.ndjson
  zcat events.ndjson.gz | cdpkit import dfinery events - --dry-run
  cdpkit import synerise profiles profiles.csv --concurrency 2 --json
  cdpkit import altcraft profiles new.ndjson --common '{"db_id": 1}' --rate 500 --redis redis://127.0.0.1:6379`,
  )
  .action(async (vendor: string, kind: string, file: string, opts) => {
    // First Ctrl-C (or SIGTERM): stop reading, let the requests in flight finish, save. Second: cancel them.
    const reading = new AbortController();
    const requests = new AbortController();
    const onSignal = (): void => {
      if (!reading.signal.aborted) {
        process.stderr.write("\ncdpkit: stopping after the requests in flight (again to cancel them); progress is saved\n");
        reading.abort();
      } else requests.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const summary = await runImport({
      vendor,
      kind,
      file,
      format: opts.format as InputFormat | undefined,
      dryRun: opts.dryRun === true,
      deadLetter: opts.deadLetter,
      checkpoint: opts.checkpoint,
      rate: opts.rate,
      concurrency: opts.concurrency,
      redis: opts.redis,
      common: opts.common,
      config: opts.config,
      baseUrl: opts.baseUrl,
      progress: progressMode(opts.progress),
      progressIntervalMs: opts.progressInterval,
      stop: { reading: reading.signal, requests: requests.signal },
      stderr: process.stderr,
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else printImportSummary(summary);
    process.exitCode = summary.exitCode;
  });

const exportList = EXPORT_KINDS.map((k) => `  ${`${k.vendor} ${k.name}`.padEnd(28)} ${k.summary}`).join("\n");

program
  .command("export")
  .description("Export rows to a file, streamed (DFINERY exports; Synerise and Altcraft lists through paginate)")
  .argument("<vendor>", VENDOR_NAMES.join(" | "))
  .argument("<kind>", "what to export (see below)")
  .requiredOption(
    "--out <file>",
    "where to write (written as <file>.partial, renamed when complete: an interrupted export leaves no half file under the name)",
  )
  .addOption(new Option("--format <format>", "ndjson or csv").choices(["ndjson", "csv"]).default("ndjson"))
  .option("--request <json>", "DFINERY: the export request body", jsonObject)
  .option("--from <date>", "DFINERY events: from_date (yyyy-MM-dd)")
  .option("--to <date>", "DFINERY events: to_date (yyyy-MM-dd)")
  .option("--event <name>", "DFINERY events: an event to include (repeatable)", collect)
  .option("--query <key=value>", "list query parameter (repeatable)", keyValue)
  .option("--data <json>", "list request body (Altcraft: '{\"db_id\": 1}')", jsonObject)
  .option("--max-pages <n>", "stop after n pages", positiveInteger)
  .option("--json", "print the summary as JSON")
  .option("--progress <mode>", "auto | bar | lines | none", "auto")
  .option("--config <file>", "credentials file")
  .option("--base-url <url>", "send to another server")
  .addHelpText(
    "after",
    `
Kinds:
${exportList}

A CSV export's header carries ":number", ":boolean" and ":json" where the first row has such values, so
the file imports back as it was exported.

Examples:
  cdpkit export dfinery events --from 2024-08-25 --to 2024-08-26 --event df_purchase --out purchases.csv --format csv
  cdpkit export synerise profiles --query limit=100 --out profiles.ndjson
  cdpkit export altcraft subscriptions --data '{"db_id": 1}' --out subscriptions.ndjson`,
  )
  .action(async (vendor: string, kind: string, opts) => {
    const request: Record<string, unknown> = { ...(opts.request ?? {}) };
    if (opts.from) request.from_date = opts.from;
    if (opts.to) request.to_date = opts.to;
    if (opts.event) Object.assign(request, { events: opts.event, events_condition_type: "include" });
    const summary = await runExport({
      vendor,
      kind,
      out: opts.out,
      format: opts.format as ExportFormat,
      request: { request, query: opts.query ?? {}, data: opts.data ?? {}, maxPages: opts.maxPages },
      config: opts.config,
      baseUrl: opts.baseUrl,
      progress: progressMode(opts.progress),
      stderr: process.stderr,
    });
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stdout.write(
        `export ${summary.vendor} ${summary.kind}: ${number(summary.rows)} rows to ${summary.out} (${summary.format}) in ${(summary.elapsedMs / 1000).toFixed(1)} s\n`,
      );
  });

program
  .command("ops")
  .description("List a vendor's operations with their evidence level, repeatability and rate limit")
  .argument("<vendor>", VENDOR_NAMES.join(" | "))
  .option("--json", "print as JSON")
  .addHelpText(
    "after",
    `\nEvidence: docs (the vendor's reference), sdk (the vendor's SDKs agree), ... as in the spec's x-cdpkit-evidence.\n\nExamples:\n  cdpkit ops dfinery\n  cdpkit ops synerise --json | jq length`,
  )
  .action((vendor: string, opts) => {
    const operations = listOperations(vendor);
    process.stdout.write(opts.json ? `${JSON.stringify(operations, null, 2)}\n` : `${formatOperations(operations)}\n`);
  });

program
  .command("call")
  .description("One call through the full client (auth, limits, retries): prints the typed result or the typed error")
  .argument("<vendor>", VENDOR_NAMES.join(" | "))
  .argument("<method>", "GET, POST, ...")
  .argument("<path>", "a path of the spec, concrete (/v4/clients/42) or as written there")
  .option("--query <key=value>", "query parameter (repeatable)", keyValue)
  .option("--data <json|@file>", "the JSON body, or @file to read it from a file")
  .option("--config <file>", "credentials file")
  .option("--base-url <url>", "send to another server")
  .addHelpText(
    "after",
    `\nExit codes: 0 success, 1 an error answer, 2 invalid input (refused before sending), 3 auth or network.\n\nExamples:\n  cdpkit call dfinery POST /api/v1/identities --data '{"identity":{"external_id":"u-1"},"request_datetime":"2025-05-13T06:01:48.501Z"}'\n  cdpkit call synerise GET /v4/clients/42\n  cdpkit call altcraft POST /api/v1.1/profiles/get --data @request.json`,
  )
  .action(async (vendor: string, method: string, path: string, opts) => {
    const result = await runCall({
      vendor,
      method,
      path,
      query: opts.query ?? {},
      data: opts.data,
      config: opts.config,
      baseUrl: opts.baseUrl,
    });
    const text = `${JSON.stringify(result.output, null, 2)}\n`;
    if (result.exitCode === ExitCode.ok) process.stdout.write(text);
    else process.stderr.write(text);
    process.exitCode = result.exitCode;
  });

program
  .command("mock")
  .description("Serve a local Prism mock of the vendor's spec (validates requests, answers from the examples)")
  .argument("<vendor>", VENDOR_NAMES.join(" | "))
  .option("--port <n>", "port", positiveInteger, 4010)
  .option("--host <host>", "interface", "127.0.0.1")
  .addHelpText(
    "after",
    `\nThen point any command at it, e.g.\n  DFINERY_SERVICE_ID=demo DFINERY_IMPORT_TOKEN=demo-token cdpkit import dfinery events sample.ndjson --base-url http://127.0.0.1:4010\n\nExamples:\n  cdpkit mock dfinery\n  cdpkit mock synerise --port 4011`,
  )
  .action(async (vendor: string, opts) => {
    process.exitCode = await runMock(vendorName(vendor), { host: opts.host, port: opts.port });
  });

program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = (error as { code?: string; exitCode?: number }).code;
  if (code === "commander.helpDisplayed" || code === "commander.help" || code === "commander.version") process.exit(0);
  if (typeof code === "string" && code.startsWith("commander.")) process.exit(ExitCode.usage);
  if (error instanceof UsageError || error instanceof CouldNotRunError) {
    process.stderr.write(`cdpkit: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  process.stderr.write(`cdpkit: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(ExitCode.couldNotRun);
}
