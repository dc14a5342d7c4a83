import cliProgress from "cli-progress";

/** What the progress display shows; `read` counts records of this run, the rest likewise. */
export interface ProgressFigures {
  readonly read: number;
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

function etaSeconds(figures: ProgressFigures, elapsedMs: number): number | undefined {
  if (!figures.totalBytes || figures.bytesRead <= 0 || elapsedMs <= 0) return undefined;
  return ((figures.totalBytes - figures.bytesRead) / figures.bytesRead) * (elapsedMs / 1000);
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
      const percent = f.totalBytes ? ` (${Math.floor((f.bytesRead / f.totalBytes) * 100)}%)` : "";
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
        : `${options.label} {bar} {percentage}% | {records} records, {rate}/s | sent {sent} | accepted {accepted} | failed {failed} | ETA {eta}`,
      hideCursor: true,
      fps: 10,
      barsize: 24,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (f: ProgressFigures) => ({
    records: number(f.read),
    rate: number(rate(f)),
    sent: number(f.sent),
    accepted: number(f.accepted),
    failed: number(f.failed),
    eta: formatDuration(etaSeconds(f, Date.now() - started)),
  });
  // Without a known size (standard input) the bar tracks records and shows no ETA.
  let barShown = false;
  const total = (f: ProgressFigures): number => f.totalBytes ?? Math.max(1, f.read);
  return {
    update: (f) => {
      if (!barShown) {
        bar.start(total(f), f.totalBytes ? f.bytesRead : f.read, payload(f));
        barShown = true;
        return;
      }
      if (!f.totalBytes) bar.setTotal(total(f));
      bar.update(f.totalBytes ? f.bytesRead : f.read, payload(f));
    },
    stop: (f) => {
      if (!barShown) bar.start(total(f), 0, payload(f));
      bar.update(total(f), { ...payload(f), eta: "0s" });
      bar.stop();
    },
  };
}
