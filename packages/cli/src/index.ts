export { ExitCode, CouldNotRunError, UsageError } from "./exit.js";
export { runImport, type ImportOptions, type ImportSummary } from "./import.js";
export { runExport, EXPORT_KINDS, type ExportOptions, type ExportSummary, type ExportFormat } from "./export.js";
export { KINDS, type ImportKind } from "./kinds.js";
export { runCall, listOperations, type CallOptions, type CallResult } from "./ops.js";
export { VENDORS, VENDOR_NAMES, type VendorName } from "./vendors.js";
export { canonicalJson, uuidV5 } from "./ids.js";
