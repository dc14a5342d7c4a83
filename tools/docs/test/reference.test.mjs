// The docs-only copy of a spec: evidence made visible on every operation, the spec itself untouched.
import { describe, expect, it } from "vitest";
import { selfContained, withVisibleEvidence } from "../reference.mjs";

const spec = () => ({
  openapi: "3.1.0",
  info: { title: "Acme", version: "1", description: "The Acme API." },
  paths: {
    "/things": {
      get: { summary: "List things", description: "All of them.", "x-cdpkit-evidence": "docs" },
      post: { summary: "Add a thing", "x-cdpkit-evidence": "inferred", "x-cdpkit-evidence-note": "REST symmetry with GET." },
    },
    "/other": { delete: { summary: "Remove", "x-badges": [{ name: "beta" }] } },
  },
});

describe("withVisibleEvidence", () => {
  it("badges every operation and opens its description with the evidence line, on a copy", () => {
    const original = spec();
    const { copy, operations } = withVisibleEvidence(original);
    expect(original).toEqual(spec());
    expect(operations).toEqual([
      { method: "GET", path: "/things", summary: "List things", evidence: "docs" },
      { method: "POST", path: "/things", summary: "Add a thing", evidence: "inferred" },
      { method: "DELETE", path: "/other", summary: "Remove", evidence: "not recorded" },
    ]);
    const { get, post } = copy.paths["/things"];
    expect(get["x-badges"]).toEqual([{ name: "evidence: docs", color: expect.any(String) }]);
    expect(get.description).toBe("**Evidence: docs** (documented in the vendor's API reference).\n\nAll of them.");
    expect(post.description).toBe(
      "**Evidence: inferred** (a reading of the docs text, unconfirmed: treat with care). REST symmetry with GET.",
    );
    const remove = copy.paths["/other"].delete;
    expect(remove["x-badges"].map((b) => b.name)).toEqual(["beta", "evidence: not recorded"]);
    expect(remove.description).toBe("**Evidence: not recorded**.");
    expect(copy.info.description).toMatch(/^The Acme API\.\n\n## Evidence levels\n/);
  });

  it("refuses a spec whose paths are still references to other files", () => {
    expect(() => withVisibleEvidence({ info: {}, paths: { "/a": { $ref: "paths/a.yaml" } } })).toThrow(/bundled spec/);
  });
});

describe("selfContained", () => {
  it("makes Redoc's attribution logo local and links the site icon", () => {
    const page = selfContained(
      '<html><head></head><body><img src="https://cdn.redoc.ly/redoc/logo-mini-full.svg"></body></html>',
      "../favicon.svg",
    );
    expect(page).toContain('<link rel="icon" href="../favicon.svg">');
    expect(page).not.toContain("cdn.redoc.ly");
    expect(page).toContain("data:image/svg+xml,");
  });

  it("fails the build when Redoc loads anything else from its CDN", () => {
    expect(() => selfContained('<head></head><script src="https://cdn.redoc.ly/redoc/v3/redoc.js"></script>', "favicon.svg")).toThrow(
      /cdn\.redoc\.ly\/redoc\/v3\/redoc\.js/,
    );
  });
});
