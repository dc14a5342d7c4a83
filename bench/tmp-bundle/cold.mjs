const which = process.argv[2];
const t0 = performance.now();
if (which === "bare") {
  const { default: createClient } = await import("openapi-fetch");
  createClient({ baseUrl: "https://x" });
} else {
  const { createDfineryClient } = await import("@cdpkit/dfinery");
  createDfineryClient({ serviceId: "s", importToken: "t" });
}
const t1 = performance.now();
console.log(which, (t1 - t0).toFixed(1), "ms; since process start", t1.toFixed(1));
