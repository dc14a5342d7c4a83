import { build } from "../../tools/bundle-check/node_modules/esbuild/lib/main.js";
const d = "../packages/core/dist/";
await build({
  entryPoints: [d + "index.js", d + "node-transport.js", d + "error-classes.js"],
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  outdir: "/tmp/corebundle",
  external: ["openapi-fetch", "#node-transport", "undici", "undici/*"],
  logLevel: "error",
});
