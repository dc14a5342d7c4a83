/**
 * The transport under the policies on Node: npm undici's dispatcher, without `fetch`. Node's built-in
 * fetch spends most of a small call's CPU on web streams, Request clones and body tees; here a request
 * goes out as the bytes the call keeps (call.ts) and the answer comes back as chunks read straight off
 * the socket (NodeBodySource), buffered for JSON and streamed, with backpressure, for stream answers.
 *
 * Only this module imports undici, and only the dispatcher itself (`lib/dispatcher/agent.js`): undici's
 * index would install its own Agent as the process's global dispatcher when none is set yet, which
 * would change what every `fetch()` in the process goes through. Selected through package.json
 * `imports` (`#node-transport`): Bun, Deno, browsers and edge runtimes get node-transport-unavailable.ts.
 */
import type { Transform } from "node:stream";
import type { Dispatcher } from "undici";
import type AgentClass from "undici/lib/dispatcher/agent.js";
import { concat, sourcedResponse, type BodySource } from "./body.js";
import { createCall, replayableBodyOf, type Call, type ReplayableBody } from "./call.js";
import type { Transport } from "./fetch.js";
import { onAbort } from "./abort.js";

type HeadersLike = ConstructorParameters<typeof Headers>[0];

/** Buffered before anyone reads, and ahead of a stream's reader: then the socket is paused. */
const HIGH_WATER_MARK = 64 * 1024;
/** Sent unless the request sets its own, as Node's fetch does (servers and proxies may expect them). */
const DEFAULT_HEADERS: readonly (readonly [string, string])[] = [
  ["accept", "*/*"],
  ["user-agent", "node"],
  ["accept-encoding", "gzip, deflate, br"],
];
const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** An undici (7.x) Dispatcher: an Agent, Pool, ProxyAgent, MockAgent... */
export type NodeDispatcher = Pick<Dispatcher, "dispatch">;

/** True where this module runs on Node itself (not Bun or Deno, which also answer to `node`). */
export const nodeTransportAvailable: boolean =
  typeof process === "object" && typeof process.versions?.node === "string" && !("Bun" in globalThis) && !("Deno" in globalThis);

/**
 * Node's stream and zlib modules, loaded when a request streams its body or an answer is compressed:
 * neither is loaded at start-up, and most processes need neither (Node >= 20.16 has getBuiltinModule).
 */
const builtin = <Id extends "node:stream" | "node:zlib">(id: Id) => process.getBuiltinModule(id);

/**
 * undici's Agent module, loaded at the first request that needs it rather than at import: it is most of
 * undici (its HTTP parser included) and would add tens of ms to every process that imports a client.
 */
let agentModule: Promise<typeof AgentClass> | undefined;
const loadAgent = (): Promise<typeof AgentClass> =>
  (agentModule ??= import("undici/lib/dispatcher/agent.js").then((module) => module.default));

/**
 * A transport over `dispatcher`, or over a keep-alive Agent of its own (created on the first request;
 * idle sockets do not keep the process alive).
 */
export function createNodeTransport(dispatcher?: NodeDispatcher): Transport {
  let pool = dispatcher;
  const send = (request: Request, call: Call, dispatcher: NodeDispatcher): Promise<Response> => {
    const body = call.body ?? replayableBodyOf(request);
    if (body instanceof Blob) return body.arrayBuffer().then((bytes) => exchange(dispatcher, request, call, bytes));
    return exchange(dispatcher, request, call, body === undefined ? request.body : encode(body));
  };
  return (request, call = createCall(request)) => {
    if (pool !== undefined) return send(request, call, pool);
    return loadAgent().then((Agent) => send(request, call, (pool ??= new Agent())));
  };
}

type DispatchBody = string | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array> | null;

function encode(body: Exclude<ReplayableBody, Blob>): DispatchBody {
  if (typeof body === "string" || body instanceof ArrayBuffer) return body;
  if (body instanceof URLSearchParams) return body.toString();
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}

function exchange(dispatcher: NodeDispatcher, request: Request, call: Call, body: DispatchBody): Promise<Response> {
  const signal = call.signal;
  if (signal.aborted) return Promise.reject(signal.reason);
  const url = request.url;
  const pathAt = url.indexOf("/", url.indexOf("//") + 2);
  const hashAt = url.indexOf("#");
  const origin = pathAt === -1 ? url : url.slice(0, pathAt);
  const path = pathAt === -1 ? "/" : url.slice(pathAt, hashAt === -1 ? undefined : hashAt);
  const headers: string[] = [];
  request.headers.forEach((value, name) => headers.push(name, value));
  for (const [name, value] of DEFAULT_HEADERS) if (!request.headers.has(name)) headers.push(name, value);
  return new Promise<Response>((resolve, reject) => {
    const handler = new ExchangeHandler(request, origin + path, signal, resolve, reject);
    dispatcher.dispatch(
      {
        origin,
        path,
        method: request.method as Dispatcher.HttpMethod,
        headers,
        body:
          body instanceof ReadableStream
            ? builtin("node:stream").Readable.fromWeb(body as import("node:stream/web").ReadableStream)
            : (body as string | Uint8Array | null),
      },
      handler,
    );
  });
}

/** One request and its answer, as undici reports them. */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #source: NodeBodySource | undefined;
  /** An abort that came before undici handed over the controller. */
  #abortReason: unknown;
  #settled = false;
  readonly #stopWatching: () => void;

  constructor(
    readonly request: Request,
    /** The URL the answer is for (a Response's, without the fragment). */
    readonly url: string,
    readonly signal: AbortSignal,
    readonly resolve: (response: Response) => void,
    readonly reject: (err: unknown) => void,
  ) {
    this.#stopWatching = onAbort(signal, () => this.#abort(signal.reason));
  }

  #abort(reason: unknown): void {
    if (!this.#settled) {
      this.#settled = true;
      this.reject(reason);
    }
    this.#source?.fail(reason);
    this.#done();
    if (this.#controller) this.#controller.abort(reason as Error);
    else this.#abortReason = reason;
  }

  #done(): void {
    this.#stopWatching();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortReason !== undefined) controller.abort(this.#abortReason as Error);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    statusText?: string,
  ): void {
    if (this.#settled) return;
    this.#settled = true;
    const noBody = this.request.method === "HEAD" || NO_BODY_STATUSES.has(status);
    const head = {
      status,
      statusText: statusText ?? "",
      headers: headersInit(headers),
      url: this.url,
      redirected: false,
      type: "basic",
    } as const;
    const source = noBody ? undefined : new NodeBodySource(controller, contentEncodings(headers["content-encoding"]), () => this.#done());
    let response: Response;
    try {
      response = sourcedResponse(head, source);
    } catch (err) {
      // What a Response cannot be built from (a status outside 200-599, a reason phrase with control
      // characters) is a broken answer, as fetch reports it: never an exception thrown into undici.
      this.#done();
      this.reject(new TypeError("the server's answer is not a valid HTTP response", { cause: err }));
      controller.abort(err as Error);
      return;
    }
    this.#source = source;
    if (noBody) this.#done();
    this.resolve(response);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Uint8Array): void {
    this.#source?.push(chunk);
  }

  onResponseEnd(): void {
    this.#source?.end();
    this.#done();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#done();
    if (!this.#settled) {
      this.#settled = true;
      this.reject(error);
      return;
    }
    this.#source?.fail(error);
  }
}

/** undici's parsed headers as a Response takes them: a repeated header (Set-Cookie) stays repeated. */
function headersInit(headers: Record<string, string | string[] | undefined>): HeadersLike {
  let pairs: [string, string][] | undefined;
  for (const name in headers) {
    if (Array.isArray(headers[name])) {
      pairs = [];
      break;
    }
  }
  if (pairs === undefined) return headers as Record<string, string>;
  for (const name in headers) {
    const value = headers[name];
    if (Array.isArray(value)) for (const one of value) pairs.push([name, one]);
    else if (value !== undefined) pairs.push([name, value]);
  }
  return pairs;
}

/** The codings to undo, in the order they were applied; none when one is not known (the body stays as sent, as fetch leaves it). */
function contentEncodings(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const codings = String(header)
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== "" && c !== "identity");
  return codings.every((c) => c === "gzip" || c === "x-gzip" || c === "deflate" || c === "br") ? codings : [];
}

function decoderFor(coding: string, firstByte: number): Transform {
  const zlib = builtin("node:zlib");
  if (coding === "br") return zlib.createBrotliDecompress();
  if (coding === "deflate") return (firstByte & 0x0f) === 0x08 ? zlib.createInflate() : zlib.createInflateRaw();
  return zlib.createGunzip();
}

/**
 * The answer's body as it comes off the socket: chunks queue up to HIGH_WATER_MARK, then the socket
 * is paused until a reader takes them. `readAll` collects everything (within a limit); `stream` hands
 * chunks out as they come. A compressed body is decoded on the way in (what fetch does), so limits
 * count decoded bytes.
 */
class NodeBodySource implements BodySource {
  #chunks: Uint8Array[] = [];
  #queued = 0;
  #ended = false;
  #failed = false;
  #error: unknown;
  #disturbed = false;
  /** Buffering without a bound: readAll enforces its own limit. */
  #collecting = false;
  /** Called when something changed (a chunk, the end, a failure). */
  #wake: (() => void) | undefined;
  #decoder: Transform | undefined;

  constructor(
    readonly controller: Dispatcher.DispatchController,
    readonly encodings: readonly string[],
    readonly onFinished: () => void,
  ) {}

  get disturbed(): boolean {
    return this.#disturbed;
  }

  push(chunk: Uint8Array): void {
    if (this.#failed) return;
    if (this.encodings.length > 0) return this.#decode(chunk);
    this.#enqueue(chunk);
  }

  end(): void {
    if (this.#decoder) this.#decoder.end();
    else this.#finish();
  }

  fail(error: unknown): void {
    if (this.#failed || this.#ended) return;
    this.#failed = true;
    this.#error = error;
    this.#chunks = [];
    this.#queued = 0;
    this.#decoder?.destroy();
    this.onFinished();
    this.#wake?.();
  }

  #finish(): void {
    if (this.#failed) return;
    this.#ended = true;
    this.onFinished();
    this.#wake?.();
  }

  #enqueue(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#queued += chunk.byteLength;
    if (!this.#collecting && this.#queued >= HIGH_WATER_MARK) this.controller.pause();
    this.#wake?.();
  }

  #decode(chunk: Uint8Array): void {
    if (this.#decoder === undefined) {
      const codings = [...this.encodings].reverse();
      const decoders = codings.map((coding, i) => decoderFor(coding, i === 0 ? (chunk[0] ?? 0) : 0x08));
      for (let i = 0; i + 1 < decoders.length; i++) decoders[i]!.pipe(decoders[i + 1]!);
      const first = decoders[0]!;
      const last = decoders[decoders.length - 1]!;
      for (const decoder of decoders) decoder.on("error", (err: Error) => this.#failDecoding(err));
      last.on("data", (data: Uint8Array) => this.#enqueue(data));
      last.on("end", () => this.#finish());
      this.#decoder = first;
    }
    this.#decoder.write(chunk);
  }

  #failDecoding(error: Error): void {
    this.fail(Object.assign(new TypeError("the response body could not be decoded", { cause: error }), { code: "Z_DATA_ERROR" }));
    this.controller.abort(error);
  }

  #take(): Uint8Array | undefined {
    const chunk = this.#chunks.shift();
    if (chunk === undefined) return undefined;
    this.#queued -= chunk.byteLength;
    if (this.#queued < HIGH_WATER_MARK && this.controller.paused) this.controller.resume();
    return chunk;
  }

  readAll(limit: number, truncate: boolean): Promise<Uint8Array | undefined> {
    this.#disturbed = true;
    this.#collecting = true;
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      const settle = (): boolean => {
        if (this.#failed) {
          reject(this.#error);
          return true;
        }
        if (this.#queued > limit) {
          resolve(truncate ? concat(this.#chunks, limit) : undefined);
          this.#wake = undefined;
          this.cancel().catch(() => {});
          return true;
        }
        if (this.#ended) {
          resolve(concat(this.#chunks, this.#queued));
          this.#chunks = [];
          return true;
        }
        return false;
      };
      if (settle()) return;
      this.#wake = () => {
        if (settle()) this.#wake = undefined;
      };
      if (this.controller.paused) this.controller.resume();
    });
  }

  stream(): ReadableStream<Uint8Array> {
    this.#disturbed = true;
    return new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          const deliver = (): boolean => {
            const chunk = this.#take();
            if (chunk !== undefined) controller.enqueue(chunk);
            else if (this.#failed) controller.error(this.#error);
            else if (this.#ended) controller.close();
            else return false;
            return true;
          };
          if (deliver()) return;
          return new Promise<void>((resolve) => {
            this.#wake = () => {
              if (!deliver()) return;
              this.#wake = undefined;
              resolve();
            };
          });
        },
        cancel: (reason) => this.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  cancel(reason?: unknown): Promise<void> {
    this.#disturbed = true;
    if (!this.#ended && !this.#failed) {
      const why = reason instanceof Error ? reason : new Error("the response body was cancelled", { cause: reason });
      this.fail(why);
      this.controller.abort(why);
    }
    this.#chunks = [];
    this.#queued = 0;
    return Promise.resolve();
  }
}
