// @cdpkit/dfinery/exports: the typed-row reader under `client.exportEvents`, for CSV exports read some other
// way (a file saved earlier). The client loads the same module at its first export.
export { STANDARD_COLUMNS, convertCell, rowsFromCsv } from "./export-rows.js";
export { parseCsv } from "@cdpkit/core/csv";
