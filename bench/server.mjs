// The bench's target: a loopback server answering every POST with DFINERY's success envelope and
// rate-limit headers. Runs in its own process so it does not share an event loop with the clients.
import { createServer } from "node:http";

const body = JSON.stringify({ status: true, code: "20000", message: "OK", data: true });
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "x-ratelimit-limit": "1d",
      "x-ratelimit-remaining": "99999",
      "x-ratelimit-reset": String(Date.now() + 86_400_000),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send?.({ port: server.address().port }));
process.on("disconnect", () => process.exit(0));
