import { build } from "../../tools/bundle-check/node_modules/esbuild/lib/main.js";
import { gzipSync } from "node:zlib";
const drop = /\/(csv|csv-rows|batch|events|export-rows|exports|paginate)\.js$/;
const plugin = {
  name: "drop",
  setup(b) {
    b.onLoad({ filter: drop }, (a) => ({ contents: "export {}; " + "", loader: "js" }));
  },
};
const r = await build({
  entryPoints: [`tmp-bundle/dfinery.mjs`],
  bundle: true,
  minify: true,
  format: "esm",
  platform: "browser",
  write: false,
  metafile: true,
  plugins: [plugin],
  logLevel: "silent",
}).catch((e) => {
  console.log(e.message.slice(0, 2000));
  process.exit(1);
});
const out = r.outputFiles[0].contents;
console.log("without helpers min", out.length, "gz", gzipSync(out).length);
