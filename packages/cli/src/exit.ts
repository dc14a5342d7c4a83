/**
 * The command's exit codes, one meaning each, so a scheduler can tell "re-run me" from "fix the data":
 * 0 every record accepted; 1 some records failed (in the dead-letter file); 2 usage or invalid input;
 * 3 could not run (credentials refused, network down, Redis unreachable); 130 interrupted (resumable).
 */
export const ExitCode = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  couldNotRun: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem with the command line, the configuration or the input file: exit 2. */
export class UsageError extends Error {
  readonly exitCode: ExitCode = ExitCode.usage;
  override readonly name = "UsageError";
}

/** The command could not do its work (auth refused, network, Redis): exit 3. */
export class CouldNotRunError extends Error {
  readonly exitCode: ExitCode = ExitCode.couldNotRun;
  override readonly name = "CouldNotRunError";
}
