import { createTestServer, json, type TestServer } from "@cdpkit/testkit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { httpErrorFor, VendorError, type ItemOutcome } from "../src/index.js";
import { InvalidItem, runBatches } from "../src/batch.js";

let server: TestServer;

beforeAll(async () => {
  server = await createTestServer();
  // Answers per item: an item whose value is "bad" is rejected inside an accepted request; a request
  // carrying "boom" fails whole with a 400.
  server.route("POST /items", (req, res) => {
    const items = req.json as string[];
    if (items.includes("boom")) return json(res, 400, { message: "boom" });
    json(res, 200, { result: items.map((item) => (item === "bad" ? { error: "rejected" } : { error: null })) });
  });
});
afterAll(() => server.close());

it("reports every item's fate as soon as it is known, matching the final report", async () => {
  const outcomes: ItemOutcome[] = [];
  const input = ["a", "", "bad", "b", "boom", "c"];
  const report = await runBatches(
    (async function* () {
      yield* input;
    })(),
    {
      vendor: "test",
      limits: { maxItems: 2 },
      prepare: (value: string) => (value === "" ? new InvalidItem([{ path: "items", message: "must not be empty" }]) : value),
      send: async (batch) => {
        const response = await fetch(`${server.url}/items`, {
          method: "POST",
          body: `[${batch.entries.map((e) => e.text).join(",")}]`,
        });
        if (!response.ok) throw httpErrorFor({ vendor: "test", status: response.status, body: await response.text() });
        const { result } = (await response.json()) as { result: { error: string | null }[] };
        return {
          rejected: result.flatMap((r, entry) =>
            r.error ? [{ entry, error: new VendorError({ vendor: "test", message: r.error }) }] : [],
          ),
        };
      },
    },
    { onItemSettled: (outcome) => outcomes.push(outcome) },
  );
  const byPosition = new Map(outcomes.map((o) => [o.position, o]));
  expect(outcomes).toHaveLength(input.length);
  expect(byPosition.size).toBe(input.length);
  // Requests of two: [a, bad], [b, boom], [c] ("" never goes out).
  expect([0, 5].map((p) => byPosition.get(p)?.accepted)).toEqual([true, true]);
  expect(byPosition.get(1)).toMatchObject({ accepted: false, item: "", error: { name: "InvalidInputError" } });
  expect(byPosition.get(2)).toMatchObject({ accepted: false, item: "bad", error: { message: "rejected" } });
  expect(byPosition.get(3)).toMatchObject({ accepted: false, item: "b", error: { status: 400 } });
  expect(byPosition.get(4)).toMatchObject({ accepted: false, item: "boom", error: { status: 400 } });
  expect(report.failed.map((f) => f.position)).toEqual(
    outcomes
      .filter((o) => !o.accepted)
      .map((o) => o.position)
      .sort((a, b) => a - b),
  );
  expect(report.accepted).toBe(outcomes.filter((o) => o.accepted).length);
});
