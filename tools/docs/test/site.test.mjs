// Builds the site with the script `pnpm docs` runs, serves it from 127.0.0.1 and opens it in Debian's
// headless Chromium: every vendor page shows every operation of its spec with the right evidence level,
// the API pages render, every link of the index and the guides leads to a page, and no page logs a
// console error, throws, fails a request or reaches outside the site. One screenshot is kept for a person.
import { spawn } from "node:child_process";
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { listOperations } from "@cdpkit/codegen/readme-table";
import { vendorSpec } from "@cdpkit/mock";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSiteDir, vendorsOf } from "../build.mjs";
import { EVIDENCE_LEVELS } from "../reference.mjs";
import { serveSite } from "../serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(here, "..", "screenshots", "dfinery-reference.png");
const vendors = await vendorsOf();

let manifest;
let site;
let browser;

beforeAll(async () => {
  const build = await new Promise((done) => {
    const child = spawn(process.execPath, [join(here, "..", "build.mjs")], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => done({ code, output }));
  });
  expect(build.code, build.output).toBe(0);
  manifest = JSON.parse(await readFile(join(defaultSiteDir, "site.json"), "utf8"));
  site = await serveSite(defaultSiteDir);
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

/**
 * Opens a page of the site and records everything that went wrong on it. Close it with the `close`
 * returned: a request still in flight then (the browser fetches a favicon after "load") is aborted by
 * the closing, not failed by the site.
 */
async function open(path) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = [];
  let closing = false;
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => {
    const error = request.failure()?.errorText;
    if (!(closing && error === "net::ERR_ABORTED")) problems.push(`request failed: ${request.url()} ${error}`);
  });
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(`${site.url}/`) && !/^(blob|data):/.test(url)) problems.push(`request outside the site: ${url}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.goto(`${site.url}/${path}`, { waitUntil: "load" });
  const close = async () => {
    closing = true;
    await page.close();
  };
  return { page, problems, close };
}

const operationKey = (method, summary, evidence) => `${method.toUpperCase()} "${summary}" (evidence: ${evidence})`;

describe("the index", () => {
  it("links each vendor's reference, API and guide, and every link of the index and the guides leads to a page", async () => {
    const { page, problems, close } = await open("index.html");
    const rows = await page.$$eval("#vendors tbody tr", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("a")].map((a) => a.getAttribute("href"))),
    );
    for (const vendor of vendors) {
      const entry = manifest.vendors.find((v) => v.vendor === vendor);
      expect(rows).toContainEqual([entry.reference, entry.api, entry.guide]);
    }
    expect(rows).toContainEqual([manifest.core.api, manifest.core.guide]);
    await close();

    const pages = ["index.html", ...manifest.guides.map((guide) => guide.page)];
    const checked = new Set();
    for (const path of pages) {
      const { page: guide, problems: guideProblems, close: closeGuide } = await open(path);
      const hrefs = await guide.$$eval("a[href]", (as) => as.map((a) => a.href));
      expect(guideProblems, path).toEqual([]);
      await closeGuide();
      for (const href of hrefs.filter((h) => h.startsWith(`${site.url}/`))) {
        const target = href.split("#")[0];
        if (checked.has(target)) continue;
        checked.add(target);
        const response = await fetch(target);
        expect(response.status, `${target} linked from ${path}`).toBe(200);
      }
    }
    expect(checked.size).toBeGreaterThan(vendors.length * 3);
    expect(problems).toEqual([]);
  });
});

describe.each(vendors)("%s", (vendor) => {
  it("the reference page renders every operation of the spec with its evidence level", async () => {
    const operations = await listOperations(vendorSpec(vendor));
    const entry = manifest.vendors.find((v) => v.vendor === vendor);
    const { page, problems, close } = await open(entry.reference);
    const tags = await page.$$eval("a[href]", (as) => [
      ...new Set(
        as.map((a) => a.getAttribute("href")?.match(/^#?\/([^/#]+)$/)?.[1]).filter((tag) => tag !== undefined && tag !== "section"),
      ),
    ]);
    expect(tags.length).toBeGreaterThan(0);
    // On a tag's route the sidebar lists the tag's operations: summary, evidence badge, method.
    const rendered = new Map();
    for (const tag of tags) {
      await page.evaluate((route) => (location.hash = route), `#/${tag}`);
      const selector = `a[href^="#/${tag}/"] [data-testid="menu-item-label"]`;
      await page.waitForSelector(selector, { state: "attached" });
      const items = await page.$$eval(selector, (labels) =>
        labels.map((label) => ({
          href: label.closest("a").getAttribute("href"),
          summary: label.querySelector("[data-text]")?.getAttribute("data-text"),
          badge: label.querySelector('[data-component-name="Tag/Tag"]:not(.tag-http)')?.textContent,
          method: label.querySelector(".tag-http")?.textContent,
        })),
      );
      for (const item of items) rendered.set(item.href, { ...item, tag });
    }
    const shown = [...rendered.values()].map((item) =>
      operationKey(item.method ?? "?", item.summary, item.badge?.replace(/^evidence: /, "") ?? "no badge"),
    );
    const expected = operations.map((op) => operationKey(op.method, op.summary, op.evidence ?? "not recorded"));
    expect(shown.sort()).toEqual(expected.sort());

    // One operation of each evidence level opened: its heading, method and path, and the evidence line
    // at the top of its description.
    const opened = new Set();
    for (const { href, summary, method } of rendered.values()) {
      const { path, evidence } = operations.find((op) => op.summary === summary && op.method === method.toUpperCase());
      if (opened.has(evidence)) continue;
      opened.add(evidence);
      await page.evaluate((route) => (location.hash = route), href);
      const line = `Evidence: ${evidence}${EVIDENCE_LEVELS[evidence] ? ` (${EVIDENCE_LEVELS[evidence]})` : ""}`;
      const request = `${method.toUpperCase()} ${path}`;
      // Redoc mounts the operation after the route changes: wait for all three to be on the page.
      await page.waitForFunction(
        (texts) => {
          const content = document.querySelector("#api-content")?.innerText.replace(/\s+/g, " ") ?? "";
          return texts.every((text) => content.includes(text));
        },
        [summary, request, line],
      );
    }
    expect(opened).toEqual(new Set(operations.map((op) => op.evidence)));
    await close();
    expect(problems).toEqual([]);
  });

  it("the API page documents the package and its client factory", async () => {
    const entry = manifest.vendors.find((v) => v.vendor === vendor);
    const factory = `create${vendor[0].toUpperCase()}${vendor.slice(1)}Client`;
    const { page, problems, close } = await open(entry.api);
    expect(await page.locator("h1").first().innerText()).toContain(`@cdpkit/${vendor}`);
    const link = page.locator(`#main a:text-is("${factory}"), .col-content a:text-is("${factory}")`).first();
    await link.click();
    await page.waitForURL(new RegExp(`${factory}\\.html`));
    expect(await page.locator(".tsd-signature").first().innerText()).toContain(`${factory}(`);
    await close();
    expect(problems).toEqual([]);
  });
});

describe("a screenshot for a person", () => {
  it("is written for the DFINERY reference, at its Send events operation", async () => {
    const entry = manifest.vendors.find((v) => v.vendor === "dfinery");
    const { page, problems, close } = await open(`${entry.reference}#/events/sendevents`);
    await page.waitForFunction(() => document.querySelector("#api-content")?.innerText.includes("Evidence: docs ("));
    await mkdir(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    await close();
    expect(problems).toEqual([]);
    const written = await readFile(SCREENSHOT);
    expect(written.subarray(1, 4).toString()).toBe("PNG");
    expect((await stat(SCREENSHOT)).size).toBeGreaterThan(20_000);
    console.log(`docs test: screenshot of the DFINERY reference written to ${relative(process.cwd(), SCREENSHOT)}`);
  });
});
