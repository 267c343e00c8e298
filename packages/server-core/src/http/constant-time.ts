/**
 * The one string comparison of secrets: the bearer secret of the engine's
 * authenticator and of runtime parts outside it (the Cloudflare registry).
 * WebCrypto has no portable timing-safe compare (node:crypto's
 * `timingSafeEqual` is not in every runtime this engine runs in), so this is
 * the classic XOR fold over the UTF-8 bytes.
 */

const encoder = new TextEncoder();

/** Compares without an early exit, so timing does not reveal a matching prefix. */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
