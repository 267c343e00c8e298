/**
 * Pre-signed read URLs (PROXY_PROTOCOL.md Section 7): HMAC-SHA256 over the
 * stream id and the expiry, with WebCrypto. Verification goes through
 * `crypto.subtle.verify`, which compares in constant time. The same key
 * derives the stream id of a session, so a session id never appears in a URL.
 */

import { ProxyError } from "./errors.js";

const encoder = new TextEncoder();
const URL_CONTEXT = "durastream-proxy-url-v1";
const SESSION_CONTEXT = "durastream-proxy-session-v1";

/** Signs and verifies the `expires` and `signature` of proxy stream URLs. */
export class ProxySigner {
  readonly #key: Promise<CryptoKey>;

  /** @param secret the signing key (at least 16 bytes of entropy) */
  constructor(secret: Uint8Array | string) {
    const bytes = typeof secret === "string" ? encoder.encode(secret) : secret;
    if (bytes.length < 16) throw new Error("proxy signing key must be at least 16 bytes");
    this.#key = crypto.subtle.importKey(
      "raw",
      bytes as Uint8Array<ArrayBuffer>,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
  }

  /** The `signature` of stream `id` expiring at `expires` (Unix seconds), base64url. */
  async sign(id: string, expires: number): Promise<string> {
    const mac = await crypto.subtle.sign("HMAC", await this.#key, urlMessage(id, expires));
    return toBase64Url(new Uint8Array(mac));
  }

  /**
   * Checks the `expires` and `signature` query parameters for stream `id`
   * at `nowSeconds`; throws the 401 the protocol names for each failure.
   */
  async verify(
    id: string,
    expires: string | null,
    signature: string | null,
    nowSeconds: number,
  ): Promise<void> {
    if (expires === null || signature === null) {
      throw new ProxyError(401, "MISSING_SIGNATURE", "expires and signature are required");
    }
    const mac = /^\d{1,12}$/.test(expires) ? fromBase64Url(signature) : null;
    const valid =
      mac !== null &&
      (await crypto.subtle.verify(
        "HMAC",
        await this.#key,
        mac as Uint8Array<ArrayBuffer>,
        urlMessage(id, Number(expires)),
      ));
    if (!valid) throw new ProxyError(401, "SIGNATURE_INVALID", "invalid signature");
    // Checked after the signature, so an attacker learns nothing from a forged expiry.
    if (Number(expires) <= nowSeconds) {
      throw new ProxyError(401, "SIGNATURE_EXPIRED", "the signed URL has expired");
    }
  }

  /** The stream id of session `sessionId`: 32 hex digits of its HMAC. */
  async sessionStreamId(sessionId: string): Promise<string> {
    const data = encoder.encode(`${SESSION_CONTEXT}\n${sessionId}`);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, data));
    let hex = "";
    for (const byte of mac.subarray(0, 16)) hex += byte.toString(16).padStart(2, "0");
    return `session-${hex}`;
  }
}

function urlMessage(id: string, expires: number): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${URL_CONTEXT}\n${id}\n${expires}`) as Uint8Array<ArrayBuffer>;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(text)) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
