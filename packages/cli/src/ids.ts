import { createHash } from "node:crypto";

/**
 * Idempotency keys derived from the record itself, so a record re-sent after a crash carries the id it
 * carried the first time and the vendor deduplicates it. The name hashed is the vendor, the kind, the
 * record's line in the input and its canonical JSON: two identical records on different lines are two
 * events, and the same line of the same file is always the same event.
 */

/** The cdpkit namespace for UUIDv5 (RFC 9562, section 5.5): a fixed random UUID. */
const NAMESPACE = Buffer.from("6f1f7c3e8a9b4d2e9c5a0b7e1d3f5a2c", "hex");

/** JSON with object keys sorted at every depth: the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

function digest(name: string): Buffer {
  return createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
}

/** A UUIDv5 of `name` in the cdpkit namespace. */
export function uuidV5(name: string): string {
  const bytes = digest(name).subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `length` upper-case hex characters of the name's hash (Kameleoon's 16-hex nonce). */
export function hexId(name: string, length: number): string {
  return digest(name).toString("hex").slice(0, length).toUpperCase();
}

/** The ids one record may need, derived lazily from its identity in the input. */
export interface RecordIds {
  uuid(): string;
  hex(length: number): string;
}

export function recordIds(vendor: string, kind: string, line: number, record: unknown): RecordIds {
  let name: string | undefined;
  const nameOf = (): string => (name ??= `${vendor}\n${kind}\n${line}\n${canonicalJson(record)}`);
  return { uuid: () => uuidV5(nameOf()), hex: (length) => hexId(nameOf(), length) };
}
