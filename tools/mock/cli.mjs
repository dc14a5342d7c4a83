#!/usr/bin/env node
// cdpkit-mock <vendor> [port]: serves specs/<vendor>/openapi.yaml with Prism until interrupted.
import { startVendorMock } from "./index.mjs";

const [vendor, port] = process.argv.slice(2);
if (!vendor) {
  console.error("usage: cdpkit-mock <vendor> [port]");
  process.exit(2);
}
const mock = await startVendorMock(vendor, { port: port ? Number(port) : undefined, log: (l) => console.log(l) });
console.log(`cdpkit-mock: ${vendor} mock at ${mock.url}`);
const shutdown = () => mock.stop().then(() => process.exit(0));
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
