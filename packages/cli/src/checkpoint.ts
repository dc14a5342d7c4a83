import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./exit.js";

/**
 * Durable progress of one import. Records are numbered in input order; `settledThrough` says every
 * record before it is settled (accepted, or written to the dead-letter file), `settledAhead` lists the
 * settled ones past it (requests finish out of order, so a few are ahead of the watermark). A resumed
 * run skips exactly these and sends the rest again with the same derived ids.
 *
 * Credentials never enter it: it holds positions, counts, the input's fingerprint and file paths.
 */
export interface CheckpointState {
  readonly version: 1;
  readonly vendor: string;
  readonly kind: string;
  readonly input: { readonly label: string; readonly format: string; readonly fingerprint: string };
  settledThrough: number;
  settledAhead: number[];
  accepted: number;
  deadLettered: number;
  /** Bytes of the dead-letter file that belong to settled records (a resumed run cuts it back to this). */
  deadLetterBytes: number;
  /** The whole input was read and every record settled. */
  complete: boolean;
  runs: number;
  updatedAt: string;
}

export class Checkpoint {
  readonly path: string;
  readonly state: CheckpointState;
  readonly #ahead: Set<number>;

  private constructor(path: string, state: CheckpointState) {
    this.path = path;
    this.state = state;
    this.#ahead = new Set(state.settledAhead);
  }

  /** The checkpoint at `path` if there is one (it must belong to this vendor, kind and input), else a fresh one. */
  static open(path: string, identity: Pick<CheckpointState, "vendor" | "kind" | "input">): { checkpoint: Checkpoint; resumed: boolean } {
    const absolute = resolve(path);
    let text: string | undefined;
    try {
      text = readFileSync(absolute, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new UsageError(`cannot read the checkpoint ${path}: ${String(error)}`);
    }
    if (text === undefined) {
      const state: CheckpointState = {
        version: 1,
        ...identity,
        settledThrough: 0,
        settledAhead: [],
        accepted: 0,
        deadLettered: 0,
        deadLetterBytes: 0,
        complete: false,
        runs: 0,
        updatedAt: new Date().toISOString(),
      };
      return { checkpoint: new Checkpoint(absolute, state), resumed: false };
    }
    let state: CheckpointState;
    try {
      state = JSON.parse(text) as CheckpointState;
    } catch {
      throw new UsageError(`the checkpoint ${path} is not valid JSON`);
    }
    if (state.version !== 1 || state.vendor !== identity.vendor || state.kind !== identity.kind) {
      throw new UsageError(`the checkpoint ${path} belongs to "${state.vendor} ${state.kind}", not "${identity.vendor} ${identity.kind}"`);
    }
    if (state.input?.fingerprint !== identity.input.fingerprint || state.input.format !== identity.input.format) {
      throw new UsageError(
        `the checkpoint ${path} belongs to another input (${state.input?.label}): its first 64 KiB differ; use another checkpoint path or delete it`,
      );
    }
    return { checkpoint: new Checkpoint(absolute, state), resumed: true };
  }

  isSettled(index: number): boolean {
    return index < this.state.settledThrough || this.#ahead.has(index);
  }

  settle(index: number, outcome: "accepted" | "deadLettered"): void {
    if (this.isSettled(index)) return;
    this.state[outcome]++;
    if (index !== this.state.settledThrough) {
      this.#ahead.add(index);
      return;
    }
    let next = index + 1;
    while (this.#ahead.delete(next)) next++;
    this.state.settledThrough = next;
  }

  /** Writes the state atomically: a temporary file, fsync, rename over the old one, fsync of the folder. */
  save(fields: Partial<Pick<CheckpointState, "deadLetterBytes" | "complete">> = {}): void {
    Object.assign(this.state, fields);
    this.state.settledAhead = [...this.#ahead].sort((a, b) => a - b);
    this.state.updatedAt = new Date().toISOString();
    const temporary = `${this.path}.${process.pid}.tmp`;
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, `${JSON.stringify(this.state)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path);
    try {
      const dir = openSync(dirname(this.path), "r");
      try {
        fsyncSync(dir);
      } finally {
        closeSync(dir);
      }
    } catch {
      // Some file systems refuse fsync on a folder; the rename itself is atomic.
    }
  }
}
