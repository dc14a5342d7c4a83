import type { InvalidInputIssue } from "./errors.js";

/**
 * What every batch helper checks of one item before it is sent, so a bad item fails alone (with an
 * InvalidInputError naming its field) instead of throwing for the whole batch.
 */

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * UTF-8 length without Buffer (the package bundles for browsers) and without encoding the text: counted per
 * UTF-16 unit. The scan also flattens a string built by concatenation, which matters: a batch holds every
 * item's text until its request settles, and Kameleoon's lines (URLSearchParams output) measured 1.6x slower
 * per event when their length was taken without a scan (the 1 MB body's join then flattened them, old).
 */
export function utf8Bytes(text: string): number {
  // Most items of a batch are ASCII: the native regex scan answers them about three times faster than the loop below.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: 4 bytes for 2 units.
      bytes += 2;
      i++;
    } else bytes += 2; // 3 bytes; a lone surrogate is encoded as U+FFFD, also 3 bytes
  }
  return bytes;
}
/** Where an item is (`events[41]`), or a function making that text: called only when the item has an issue. */
type ItemPath = string | (() => string);
const pathText = (path: ItemPath): string => (typeof path === "string" ? path : path());

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const childPath = (at: string, key: string) => (IDENTIFIER.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`);

/**
 * Whether `value` holds anything `jsonIssues` reports: the common case (a clean item of a batch) answered
 * without the closures, set and paths of the full walk, which made measuring a small item cost as much
 * garbage as the item itself.
 */
function hasJsonHazard(value: unknown, ancestors: object[]): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value === "bigint") return true;
  if (value === null || typeof value !== "object") return false;
  if (value instanceof Date) return Number.isNaN(value.getTime());
  if (ancestors.includes(value)) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  ancestors.push(value);
  let found = false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && !found; i++) found = hasJsonHazard(value[i], ancestors);
  } else {
    for (const key in value) {
      if (Object.prototype.hasOwnProperty.call(value, key) && hasJsonHazard((value as Record<string, unknown>)[key], ancestors)) {
        found = true;
        break;
      }
    }
  }
  ancestors.pop();
  return found;
}

/**
 * What JSON.stringify would throw on (a cycle, a BigInt) or silently turn into `null` (NaN,
 * Infinity, an invalid Date) anywhere in `value`, each with its path. Values are never echoed.
 * `path` may be a function, called only when there is an issue: a batch names each item by its position
 * (`events[41]`), and building that string for every clean item cost a number-to-string conversion and
 * a concatenation per item.
 */
export function jsonIssues(value: unknown, pathOrLazy: ItemPath, max = 10): InvalidInputIssue[] {
  if (!hasJsonHazard(value, [])) return [];
  const path = pathText(pathOrLazy);
  const issues: InvalidInputIssue[] = [];
  const ancestors = new Set<object>();
  // Keys from the root to the value being visited: a path string is built only for an issue, since
  // every item of a batch is walked and almost none has one.
  const keys: (string | number)[] = [];
  const at = (): string => keys.reduce<string>((p, k) => (typeof k === "number" ? `${p}[${k}]` : childPath(p, k)), path);
  const visit = (v: unknown): void => {
    if (issues.length >= max) return;
    if (typeof v === "bigint")
      issues.push({ path: at(), message: "is a BigInt, which JSON cannot carry (convert it with Number() or String())" });
    else if (typeof v === "number") {
      if (!Number.isFinite(v)) issues.push({ path: at(), message: "must be a finite number (JSON would send NaN or Infinity as null)" });
    } else if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) issues.push({ path: at(), message: "is an invalid Date (JSON would send null)" });
    } else if (v !== null && typeof v === "object") {
      if (ancestors.has(v)) return void issues.push({ path: at(), message: "is a circular reference" });
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") return; // serialised by its own toJSON
      ancestors.add(v);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          keys.push(i);
          visit(v[i]);
          keys.pop();
        }
      } else {
        for (const key of Object.keys(v)) {
          keys.push(key);
          visit((v as Record<string, unknown>)[key]);
          keys.pop();
        }
      }
      ancestors.delete(v);
    }
  };
  visit(value);
  return issues;
}

/**
 * A copy of `item` with `fields` set, for a batch helper completing an item (an id, a timestamp) without
 * touching the caller's object. Same result as `{ ...item, ...fields }`, but V8 (Node 20) builds a spread
 * with added properties in a slow shape that also makes its JSON.stringify several times slower; this is
 * the per-item cost of every batch helper. An own `__proto__` key (from JSON.parse) would become the
 * copy's prototype under Object.assign, so such an item takes the spread.
 */
export function withFields<T extends object, F extends object>(item: T, fields: F): Omit<T, keyof F> & F {
  if (Object.prototype.hasOwnProperty.call(item, "__proto__")) return { ...item, ...fields };
  return Object.assign({}, item, fields);
}

/** The JSON of `value` and its UTF-8 size, measured once; or why it cannot be sent. Never throws. `path` as for jsonIssues. */
export function measureJson(value: unknown, path: ItemPath): { json: string; bytes: number } | { issues: InvalidInputIssue[] } {
  try {
    // Everything jsonIssues reports either makes JSON.stringify throw (a cycle, a BigInt) or comes out as
    // `null` (NaN, Infinity, an invalid Date): JSON that was made and has no "null" in it needs no walk, which
    // spares most items of a batch a second pass over every nested value.
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch {
      json = undefined;
    }
    if (json === undefined || json.includes("null")) {
      const issues = jsonIssues(value, path);
      if (issues.length > 0) return { issues };
      // Not thrown for a reason the walk names (a throwing getter or toJSON): thrown again, caught below.
      json ??= JSON.stringify(value) as string | undefined;
    }
    if (json === undefined) return { issues: [{ path: pathText(path), message: "has no JSON form (undefined, a function or a symbol)" }] };
    return { json, bytes: utf8Bytes(json) };
  } catch (error) {
    // A throwing getter or toJSON, or nesting deeper than the stack.
    const reason = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 200) : "unknown error";
    return { issues: [{ path: pathText(path), message: `cannot be serialised as JSON (${reason})` }] };
  }
}

const DATE_FIELDS = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:[Zz]|[+-](\d{2}):?(\d{2}))?)?$/;
/**
 * True when a `yyyy-MM-dd[THH:mm[:ss[.SSS]][zone]]` string names a real day and time: `Date.parse`
 * rolls `2025-02-30` over to March 2 and a pattern alone lets `2025-13-45T99:99:99Z` through.
 */
export function isRealDateTime(text: string): boolean {
  const m = DATE_FIELDS.exec(text);
  if (!m) return false;
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((f) => (f === undefined ? 0 : Number(f))) as number[];
  const day = new Date(Date.UTC(y!, mo! - 1, d!));
  return (
    day.getUTCFullYear() === y &&
    day.getUTCMonth() === mo! - 1 &&
    day.getUTCDate() === d &&
    h! <= 23 &&
    mi! <= 59 &&
    s! <= 59 &&
    oh! <= 23 &&
    om! <= 59
  );
}

/** The value at a dot path (`meta.cursors.after`) of a parsed JSON answer, or undefined. */
export function valueAt(value: unknown, path: string): unknown {
  let node = value;
  for (const key of path.split(".")) node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
  return node;
}
