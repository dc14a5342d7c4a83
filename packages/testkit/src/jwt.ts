/** An unsigned JWT whose payload carries the given claims (`exp` in seconds) — enough for a client to schedule renewals. */
export function makeJwt(claims: Record<string, unknown>, signature = "c2lnbmF0dXJl"): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS512" })}.${part(claims)}.${signature}`;
}
