// The DFINERY event-export CSV the CSV benches read: the docs' 47-column header and rows, with fresh ids, and every
// 4th row a purchase with quoted, multi-line, listy cells and Korean text, as real exports carry them.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

function docsEventLines() {
  const file = new URL("../packages/dfinery/test/docs-csv.ts", import.meta.url);
  const text = readFileSync(file, "utf8");
  const m = /DOCS_EVENT_CSV_LINES: readonly string\[\] = (\[[\s\S]*?\n\]);/.exec(text);
  if (!m) throw new Error(`cannot find DOCS_EVENT_CSV_LINES in ${file.pathname}`);
  const lines = JSON.parse(m[1].replace(/,\s*\]$/, "]")); // prettier leaves a trailing comma
  // The docs' event rows carry no quoted cell, so a plain split is exact for them.
  if (lines.some((l) => l.includes('"'))) throw new Error("docs event sample changed: quoted cells, update the generator");
  return lines.map((l) => l.split(","));
}

export const [HEADER, ...SAMPLES] = docsEventLines();
const col = Object.fromEntries(HEADER.map((name, i) => [name, i]));
for (const name of ["df_event_log_id", "df_items_df_item_name", "custom_event_p_string_list", "df_keyword", "df_unified_id"]) {
  if (col[name] === undefined) throw new Error(`docs header lacks ${name}`);
}

let seed = 0x2545f491;
const rand = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
const hex = (n) => Array.from({ length: n }, () => "0123456789abcdef"[(rand() * 16) | 0]).join("");
const ITEMS = ["반팔 티셔츠, 화이트", 'Shirt 15" "slim"', "운동화", "Mug", 'Gift card "10,000 KRW"'];

/** Regenerates row i (the generator is seeded: replays it from the start, only on a failed check). */
export function makeRowAgain(i) {
  const saved = seed;
  seed = 0x2545f491;
  let row;
  for (let k = 0; k <= i; k++) row = makeRow(k);
  seed = saved;
  return row;
}

/** The cells of data row i: a docs row with fresh ids, every 4th a purchase with quoted, multi-line, listy cells. */
function makeRow(i) {
  const cells = [...SAMPLES[i % SAMPLES.length]];
  const ts = 1736127307268 + i * 37;
  const id = `${ts}:${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
  cells[col.df_event_log_id] = id;
  cells[col.df_event_detail_log_id] = id;
  cells[col.df_unified_id] = hex(7);
  if (i % 4 === 0) {
    cells[col.df_event_name] = "df_purchase";
    cells[col.df_order_id] = `ORD-${i}`;
    cells[col.df_payment_method] = "card";
    cells[col.df_items_df_item_id] = `SKU-${i % 997}`;
    cells[col.df_items_df_item_name] = ITEMS[i % ITEMS.length];
    cells[col.df_items_df_category1] = "의류";
    cells[col.df_items_df_price] = String(1000 + (i % 50) * 100);
    cells[col.df_items_df_quantity] = String(1 + (i % 3));
    cells[col.df_total_purchase_amount] = String((1000 + (i % 50) * 100) * (1 + (i % 3)));
    cells[col.custom_event_p_string_list] = JSON.stringify(["a", `b, ${i % 10}`]);
    cells[col.custom_event_p_long_list] = JSON.stringify([i % 7, i % 11]);
    cells[col.df_items_custom_item_string_list] = JSON.stringify(['x"y']);
    if (i % 8 === 0) cells[col.df_keyword] = `gift wrap\nmessage: "축하해요, ${i}"`;
  }
  return cells;
}

export const quote = (cell) => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);

export function buildInput(ROWS) {
  const hash = createHash("sha256");
  const parts = [];
  const header = HEADER.map(quote).join(",");
  parts.push(header, "\n");
  hashRow(hash, HEADER);
  for (let i = 0; i < ROWS; i++) {
    const cells = makeRow(i);
    hashRow(hash, cells);
    parts.push(cells.map(quote).join(","), "\n");
  }
  return { bytes: Buffer.from(parts.join(""), "utf8"), rows: ROWS + 1, digest: hash.digest("hex") };
}

export function hashRow(hash, cells) {
  hash.update(JSON.stringify(cells));
  hash.update("\n");
}
