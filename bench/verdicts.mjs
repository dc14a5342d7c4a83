// The one format every section of `pnpm bench` reports its targets in. A section is a script that
// prints its own figures and ends with `reportVerdicts(...)`: one line per target, then a tagged JSON
// line bench/run.mjs collects into the summary table. A section run alone exits 1 when it missed one.

/** Tag of the machine-readable line; bench/run.mjs reads the section's stdout for it. */
export const VERDICT_TAG = "BENCH-VERDICTS ";

/**
 * @typedef {object} Verdict
 * @property {string} target   issue 13's target it judges, e.g. "2. batch ingest (DFINERY)"
 * @property {string} measure  what was divided by what, e.g. "sendEvents / undici.request ceiling"
 * @property {number} value    the ratio measured in this run
 * @property {"min"|"max"} kind  whether `goal` is a floor (>=) or a ceiling (<=)
 * @property {number} goal
 * @property {string} [unit]   "x" (default) or e.g. " kB"
 * @property {string} [detail] the figures behind the ratio
 */

/** @param {Verdict} v */
export const verdictMet = (v) => (v.kind === "max" ? v.value <= v.goal : v.value >= v.goal);

/** @param {Verdict} v */
export function formatVerdict(v) {
  const unit = v.unit ?? "x";
  const digits = unit === "x" ? 2 : unit === "" ? 0 : 1;
  const op = v.kind === "max" ? "<=" : ">=";
  return `${verdictMet(v) ? "met   " : "MISSED"} ${v.target.padEnd(34)} ${v.measure.padEnd(46)} ${(v.value.toFixed(digits) + unit).padStart(9)} (target ${op} ${v.goal.toFixed(digits)}${unit})${v.detail ? `  ${v.detail}` : ""}`;
}

/** Prints the verdicts and the tagged line; sets the exit code when one is missed. @param {Verdict[]} verdicts */
export function reportVerdicts(verdicts) {
  console.log("");
  for (const v of verdicts) console.log(formatVerdict(v));
  console.log(VERDICT_TAG + JSON.stringify(verdicts));
  if (!verdicts.every(verdictMet)) process.exitCode = 1;
}

/** Median of numbers (the upper middle for an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
