// What each kind of failure looks like to a caller, and how to tell them apart. Every error is a
// CdpkitError; the subclasses say what happened. None of them carries a token or key.
//
//   DFINERY_SERVICE_ID=... DFINERY_IMPORT_TOKEN=... npx tsx dfinery/handle-errors.ts
import { createServer, type AddressInfo } from "node:net";
import {
  AuthError,
  CdpkitError,
  createDfineryClient,
  HttpError,
  InvalidInputError,
  NetworkError,
  RateLimitError,
  TimeoutError,
  VendorError,
} from "@cdpkit/dfinery";
import { env, optionalEnv } from "../env.js";

function explain(error: unknown): string {
  // Order matters: the more specific classes first (RateLimitError and AuthError are HttpErrors).
  if (error instanceof InvalidInputError)
    return `bad input, nothing was sent: ${error.issues.map((i) => `${i.path} ${i.message}`).join("; ")}`;
  if (error instanceof RateLimitError) return `rate limited, retry after ${error.retryAfterMs ?? "?"} ms`;
  if (error instanceof AuthError) return `credentials refused (HTTP ${error.status}): check the token`;
  if (error instanceof HttpError) return `HTTP ${error.status} after the retries`;
  if (error instanceof VendorError) return `DFINERY refused it: code ${error.vendorCode} ${error.vendorMessage}`;
  if (error instanceof TimeoutError) return `no answer within ${error.timeoutMs} ms (${error.scope})`;
  if (error instanceof NetworkError) return `network failure in phase "${error.phase}"`;
  if (error instanceof CdpkitError) return `${error.name}: ${error.message}`;
  throw error; // not ours: a bug in this program
}

const options = {
  serviceId: env("DFINERY_SERVICE_ID"),
  importToken: env("DFINERY_IMPORT_TOKEN"),
  baseUrl: optionalEnv("DFINERY_BASE_URL"),
};
const dfinery = createDfineryClient({ ...options, throwOnError: true });
const identity = { external_id: "example-user-1" };
const request_datetime = new Date().toISOString();

async function attempt(label: string, call: () => Promise<unknown>) {
  try {
    await call();
    console.log(`${label}: succeeded`);
  } catch (error) {
    console.log(`${label}: ${explain(error)}`);
  }
}

// Refused before the network: the body misses the identity the spec requires.
await attempt("a profile update without identity", () =>
  dfinery.POST("/api/v1/user-profile", { body: { user_properties: {}, request_datetime } as never }),
);

// The answers below are the spec's documented error examples. A Prism mock of the spec serves them when
// asked with Prefer; DFINERY itself ignores that header and answers these errors for real causes
// (too many events, a wrong token, too many requests).
const event = {
  event_log_id: crypto.randomUUID(),
  event_name: "df_login",
  event_datetime: request_datetime,
  event_properties: null,
  event_items: null,
};
await attempt("an HTTP 200 whose envelope says status:false", () =>
  dfinery.POST("/api/v1/events", { body: { common: { identity }, events: [event] }, headers: { Prefer: "example=tooManyEvents" } }),
);
await attempt("a 429", () => dfinery.POST("/api/v1/identities", { body: { identity, request_datetime }, headers: { Prefer: "code=429" } }));

// A port nothing listens on (one we just opened and closed): the connection is refused, retried, then reported.
const closedPort = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo;
    server.close(() => resolve(port));
  });
});
const unreachable = createDfineryClient({ ...options, baseUrl: `http://127.0.0.1:${closedPort}`, retry: { maxAttempts: 2 } });
await attempt("a server that cannot be reached", () => unreachable.POST("/api/v1/identities", { body: { identity, request_datetime } }));

// An answer that takes longer than the client waits.
const impatient = createDfineryClient({ ...options, timeoutMs: 1, retry: false });
await attempt("a 1 ms timeout", () => impatient.POST("/api/v1/identities", { body: { identity, request_datetime } }));
