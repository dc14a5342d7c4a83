// The ingest bench's target (bench/ingest.mjs): a loopback keep-alive server answering each vendor's
// events endpoint as the vendor does (DFINERY: 200 with its success envelope; Synerise: 202, no body;
// Kameleoon: 204) and counting the events it received, and those that came without their dedup id.
// Runs in its own process so it does not share an event loop with the senders. The parent asks for the
// counts over IPC ("counts") after each run.
import { createServer } from "node:http";

const DFINERY_OK = JSON.stringify({ status: true, code: "20000", message: "OK", data: true });
const counts = { events: 0, withoutId: 0, requests: 0 };

/** Events in one body, and how many lack the id the helper fills (a cheap check, not a full validation). */
function countEvents(path, body) {
  if (path === "/api/v1/events") {
    const events = JSON.parse(body).events;
    return { events: events.length, withoutId: events.filter((e) => typeof e.event_log_id !== "string").length };
  }
  if (path === "/v4/events/batch") {
    const events = JSON.parse(body);
    return { events: events.length, withoutId: events.filter((e) => typeof e.eventSalt !== "string").length };
  }
  const lines = body.split("\n").filter((line) => line !== "");
  return { events: lines.length, withoutId: lines.filter((line) => !/(^|&)nonce=[0-9A-F]{16}$/.test(line)).length };
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const path = req.url.split("?")[0];
    const counted = countEvents(path, Buffer.concat(chunks).toString("utf8"));
    counts.events += counted.events;
    counts.withoutId += counted.withoutId;
    counts.requests++;
    if (path === "/api/v1/events") {
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(DFINERY_OK) });
      res.end(DFINERY_OK);
    } else {
      res.writeHead(path === "/v4/events/batch" ? 202 : 204);
      res.end();
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("message", (message) => {
  if (message === "counts") {
    process.send?.({ counts: { ...counts } });
    counts.events = counts.withoutId = counts.requests = 0;
  }
});
process.on("disconnect", () => process.exit(0));
