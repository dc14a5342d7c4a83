// @cdpkit/core/csv: the CSV tokenizer and the typed-row reader, one entry point for both.
export { DEFAULT_MAX_FIELD_BYTES, parseCsv, parseCsvBatches, parseCsvRecords } from "./csv.js";
export { cellTypes, csvRows, readCell } from "./csv-rows.js";
export { CsvParseError, CsvRowError } from "./csv-errors.js";
