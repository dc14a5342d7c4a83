// The monorepo's private test kit. It imports nothing from @cdpkit/core, so core's own tests can use it.
export {
  closedPortUrl,
  createTestServer,
  json,
  type Handler,
  type RecordedRequest,
  type TestServer,
  type TestServerOptions,
} from "./server.js";
export { prismGlobalSetup } from "./prism.js";
export { makeJwt } from "./jwt.js";
export { inFlightCounter, rateLimitStoreCases } from "./rate-limit-store-cases.js";
