import cliProgress from "cli-progress";

/** What the progress display shows; `read` counts records of this run, the rest likewise. */
export interface ProgressFigures {
  readonly read: number;
  /** Records an earlier run settled (skipped on resume). */
  readonly skipped: number;
  readonly sent: number;
  readonly accepted: number;
  readonly failed: number;
  readonly bytesRead: number;
  readonly totalBytes: number | undefined;
}

export type ProgressMode = "bar" | "lines" | "none";

export interface ProgressDisplay {
  update(figures: ProgressFigures): void;
  stop(figures: ProgressFigures): void;
}

const number = (n: number): string => n.toLocaleString("en-US");

/**
 * The input is read ahead of what is settled, so completion is measured in records settled against the
 * records the whole file is estimated to hold (records read so far, scaled by the bytes read).
 */
function completion(f: ProgressFigures): { done: number; total: number } | undefined {
  if (!f.totalBytes || f.bytesRead <= 0) return undefined;
  const seen = f.read + f.skipped;
  const total = f.bytesRead >= f.totalBytes ? seen : Math.max(seen, Math.round((seen * f.totalBytes) / f.bytesRead));
  return { done: f.skipped + f.accepted + f.failed, total: Math.max(1, total) };
}

function etaSeconds(f: ProgressFigures, elapsedMs: number): number | undefined {
  const c = completion(f);
  const doneThisRun = f.accepted + f.failed;
  if (!c || doneThisRun <= 0 || elapsedMs <= 0) return undefined;
  return ((c.total - c.done) / doneThisRun) * (elapsedMs / 1000);
}

function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
      : `${s}s`;
}

/**
 * A bar on a terminal (cli-progress, redrawn in place: records/s, sent, accepted, failed, ETA by bytes
 * read), plain lines every `intervalMs` otherwise (logs, CI), or nothing. Always on stderr, so stdout
 * carries only the summary.
 */
export function createProgress(
  mode: ProgressMode,
  options: { stream: NodeJS.WriteStream; label: string; intervalMs: number; unit?: "records" | "rows" },
): ProgressDisplay {
  const rows = options.unit === "rows";
  const started = Date.now();
  const rate = (f: ProgressFigures): number => Math.round(f.read / Math.max(0.001, (Date.now() - started) / 1000));
  if (mode === "none") return { update: () => {}, stop: () => {} };
  if (mode === "lines") {
    let last = 0;
    const line = (f: ProgressFigures, final: boolean): void => {
      if (rows) {
        options.stream.write(`${options.label}: ${number(f.read)} rows written, ${number(rate(f))} rows/s\n`);
        return;
      }
      const c = completion(f);
      const percent = c ? ` (${Math.floor((c.done / c.total) * 100)}% done)` : "";
      const eta = final ? "" : `, ETA ${formatDuration(etaSeconds(f, Date.now() - started))}`;
      options.stream.write(
        `${options.label}: ${number(f.read)} records read${percent}, ${number(f.sent)} sent, ${number(f.accepted)} accepted, ${number(f.failed)} failed, ${number(rate(f))} records/s${eta}\n`,
      );
    };
    return {
      update: (f) => {
        if (Date.now() - last < options.intervalMs) return;
        last = Date.now();
        line(f, false);
      },
      stop: (f) => line(f, true),
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream,
      format: rows
        ? `${options.label} | {records} rows written, {rate}/s`
        : `${options.label} {bar} {percentage}% | {records} read, {rate}/s | sent {sent} | accepted {accepted} | failed {failed} | ETA {remaining}`,
      hideCursor: true,
      fps: 10,
      barsize: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (f: ProgressFigures) => ({
    records: number(f.read),
    rate: number(rate(f)),
    sent: number(f.sent),
    accepted: number(f.accepted),
    failed: number(f.failed),
    remaining: formatDuration(etaSeconds(f, Date.now() - started)),
  });
  // Without a known size (standard input) the bar follows the records settled against those read, with no ETA.
  let barShown = false;
  const position = (f: ProgressFigures): { done: number; total: number } =>
    completion(f) ?? { done: f.accepted + f.failed, total: Math.max(1, f.read) };
  return {
    update: (f) => {
      const { done, total } = position(f);
      if (!barShown) {
        bar.start(total, done, payload(f));
        barShown = true;
        return;
      }
      bar.setTotal(total);
      bar.update(done, payload(f));
    },
    stop: (f) => {
      const { done, total } = position(f);
      if (!barShown) bar.start(total, 0, payload(f));
      bar.setTotal(total);
      bar.update(done, { ...payload(f), remaining: "0s" });
      bar.stop();
    },
  };
}
