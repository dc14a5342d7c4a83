export { RedisRateLimitStore, type RedisRateLimitStoreOptions } from "./store.js";
export { RedisUnavailableError } from "./errors.js";
export {
  DeliveryQueue,
  DeliveryRetryError,
  DeliveryWorker,
  deadLetterQueueName,
  isPermanentFailure,
  type DeadLetter,
  type DeadLetterReason,
  type ContextArgument,
  type DeliveryConnection,
  type DeliveryCounts,
  type DeliveryProgress,
  type DeliveryQueueOptions,
  type DeliveryTarget,
  type DeliveryWorkerOptions,
  type EnqueueReport,
} from "./delivery.js";
