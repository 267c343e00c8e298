/**
 * The webhook signing key set (Sections 6.5, 7.1): Ed25519 keys made and
 * exported with jose (loaded only to make the first key), `kid` derived from the JWK thumbprint, private keys
 * persisted in the subscription store so signatures verify across restarts.
 * Signing itself is WebCrypto's Ed25519; nothing here is hand-written crypto.
 */

import type { JWK } from "jose";
import { loadJose } from "../auth/load-jose.js";
import type { SubscriptionStore } from "../ports/subscription-store.js";

/** Name of the stored secret holding the private key set. */
export const KEY_SET_SECRET = "webhook-signing-keys";

/** A public key as the JWKS serves it. */
export interface PublicWebhookJwk {
  readonly kty: "OKP";
  readonly crv: "Ed25519";
  readonly x: string;
  readonly kid: string;
  readonly use: "sig";
  readonly alg: "EdDSA";
}

interface StoredKey {
  readonly kid: string;
  readonly jwk: JWK;
  readonly createdAt: number;
}

const encoder = new TextEncoder();

/** The server's webhook signing keys; the newest one signs. */
export class SigningKeys {
  readonly #keys: StoredKey[];
  readonly #active: CryptoKey;

  private constructor(keys: StoredKey[], active: CryptoKey) {
    this.#keys = keys;
    this.#active = active;
  }

  /** Loads the stored key set, creating (and persisting) a first key when there is none. */
  static async open(store: SubscriptionStore, stored: string | undefined): Promise<SigningKeys> {
    let keys: StoredKey[] = stored ? (JSON.parse(stored) as StoredKey[]) : [];
    if (keys.length === 0) {
      const { calculateJwkThumbprint, exportJWK, generateKeyPair } = await loadJose();
      const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
      const jwk = await exportJWK(privateKey);
      const kid = `ds_${await calculateJwkThumbprint({ kty: jwk.kty!, crv: jwk.crv!, x: jwk.x! })}`;
      keys = [{ kid, jwk, createdAt: Date.now() }];
      await store.saveSecret(KEY_SET_SECRET, JSON.stringify(keys));
    }
    const newest = keys[keys.length - 1]!;
    // WebCrypto imports the stored key directly: a restart needs no jose.
    // A stored key is an OKP JWK jose exported (`kty` always set).
    const jwk = newest.jwk as JsonWebKey;
    const active = await crypto.subtle.importKey("jwk", jwk, { name: "Ed25519" }, false, ["sign"]);
    return new SigningKeys(keys, active);
  }

  /** Key id of the signing key. */
  get activeKid(): string {
    return this.#keys[this.#keys.length - 1]!.kid;
  }

  /** The public JWK Set (every stored key, so older signatures stay verifiable). */
  jwks(): { keys: PublicWebhookJwk[] } {
    return {
      keys: this.#keys.map(({ kid, jwk }) => ({
        kty: "OKP",
        crv: "Ed25519",
        x: jwk.x!,
        kid,
        use: "sig",
        alg: "EdDSA",
      })),
    };
  }

  /** The `Webhook-Signature` header for `body`: Ed25519 over `<t>.<raw body>`. */
  async signatureHeader(body: Uint8Array, nowMs: number): Promise<string> {
    const t = Math.floor(nowMs / 1000);
    const prefix = encoder.encode(`${t}.`);
    const signed = new Uint8Array(prefix.length + body.length);
    signed.set(prefix);
    signed.set(body, prefix.length);
    const signature = await crypto.subtle.sign("Ed25519", this.#active, signed);
    return `t=${t},kid=${this.activeKid},ed25519=${base64url(new Uint8Array(signature))}`;
  }
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
