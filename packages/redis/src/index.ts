export { RedisRateLimitStore, type RedisRateLimitStoreOptions } from "./store.js";
export { RedisUnavailableError } from "./errors.js";
