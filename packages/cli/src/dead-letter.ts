import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, writeSync } from "node:fs";
import type { Redactor } from "@cdpkit/core";
import { DEAD_LETTER_KEY } from "./input.js";

/** Why a record was not accepted, as written in the dead-letter file. */
export interface DeadLetterReason {
  /** 1-based line of the record in the input (the first line of a JSON array element or CSV row). */
  readonly line: number;
  /** 0-based record number in the input. */
  readonly record: number;
  /** The error's class (`InvalidInputError`, `VendorError`, `BadRequestError`, ...). */
  readonly error: string;
  readonly status?: number;
  readonly vendorCode?: string | number;
  readonly message: string;
}

/**
 * The dead-letter file: one NDJSON line per rejected record, `{"_deadLetter": {line, record, error,
 * status, message}, "record": <the record as it was sent, derived ids included>}`. `cdpkit import`
 * reads such a line as its `record`, so the file is fed back after fixing. Lines are written
 * synchronously; `sync()` makes them durable before a checkpoint counts them.
 */
export class DeadLetterFile {
  readonly #fd: number;
  #bytes: number;

  /** Opens `path`; `keepBytes` keeps that much of an existing file (a resumed run), else it starts empty. */
  constructor(
    readonly path: string,
    keepBytes: number | undefined,
    private readonly redactor: Redactor,
  ) {
    this.#fd = openSync(path, keepBytes === undefined ? "w" : "a+");
    if (keepBytes !== undefined) {
      const size = fstatSync(this.#fd).size;
      // Lines past the checkpoint belong to records the resumed run settles again.
      if (size > keepBytes) ftruncateSync(this.#fd, keepBytes);
    }
    this.#bytes = fstatSync(this.#fd).size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  write(reason: DeadLetterReason, record: unknown): void {
    // Only the credentials' values are scrubbed from the record (its own fields stay as given).
    const line = `${this.redactor.redactText(JSON.stringify({ [DEAD_LETTER_KEY]: reason, record: record ?? null }))}\n`;
    this.#bytes += writeSync(this.#fd, line);
  }

  sync(): void {
    fsyncSync(this.#fd);
  }

  close(): void {
    closeSync(this.#fd);
  }
}
