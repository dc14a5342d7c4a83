// Ships each vendor's spec inside the package (dist/specs/<vendor>.yaml) for `cdpkit mock`: Prism needs
// one document, so a split spec is taken as codegen bundled it.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const out = resolve(dirname(fileURLToPath(import.meta.url)), "../dist/specs");
mkdirSync(out, { recursive: true });
for (const vendor of ["dfinery", "synerise", "altcraft", "kameleoon"]) {
  const bundled = join(root, "packages", vendor, "src", "generated", "openapi.bundled.yaml");
  copyFileSync(existsSync(bundled) ? bundled : join(root, "specs", vendor, "openapi.yaml"), join(out, `${vendor}.yaml`));
}
