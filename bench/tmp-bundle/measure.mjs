import { build } from "../../tools/bundle-check/node_modules/esbuild/lib/main.js";
import { gzipSync } from "node:zlib";
import { writeFileSync } from "node:fs";
const apps = {
  dfinery: `import { createDfineryClient } from "@cdpkit/dfinery"; const c = createDfineryClient({ serviceId: "s", importToken: "t" }); c.GET("/api/v1/users/{user_id}", { params: { path: { user_id: "u" } } }).then(console.log);`,
  bare: `import createClient from "openapi-fetch"; const c = createClient({ baseUrl: "https://x" }); c.GET("/api/v1/users/{user_id}", { params: { path: { user_id: "u" } } }).then(console.log);`,
};
for (const [name, code] of Object.entries(apps)) {
  writeFileSync(`tmp-bundle/${name}.mjs`, code);
  const r = await build({
    entryPoints: [`tmp-bundle/${name}.mjs`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    absWorkingDir: process.cwd(),
    nodePaths: ["../packages/dfinery/node_modules", "node_modules"],
  });
  const out = r.outputFiles[0].contents;
  console.log(name, "min", out.length, "gz", gzipSync(out).length);
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  if (name === "dfinery")
    for (const [k, v] of Object.entries(inputs)
      .sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput)
      .slice(0, 30))
      console.log("  ", v.bytesInOutput, k.replace(/.*node_modules\//, "nm/").replace(/.*packages\//, ""));
}
