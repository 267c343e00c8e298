/**
 * Callback and claim tokens (Sections 7.1, 7.3, 12.9): HS256 JWTs (jose)
 * scoped to one subscription incarnation, one generation and one wake, with
 * an expiry. The HMAC key is random per server and persisted, so tokens
 * issued before a restart stay valid after it.
 */

import { loadJose } from "../auth/load-jose.js";
import type { SubscriptionStore } from "../ports/subscription-store.js";
import { SubscriptionError } from "./errors.js";

const TOKEN_KEY_SECRET = "callback-token-key";
const AUDIENCE = "durastream:subscription";

/** What a valid token grants. */
export interface TokenGrant {
  readonly subscriptionId: string;
  readonly incarnation: string;
  readonly generation: number;
  readonly wakeId: string;
}

/** Issues and verifies wake-scoped tokens. */
export class WakeTokens {
  private constructor(
    readonly key: Uint8Array,
    private readonly ttlMs: number,
  ) {}

  /** Loads the stored HMAC key, creating (and persisting) one when there is none. */
  static async open(
    store: SubscriptionStore,
    stored: string | undefined,
    ttlMs: number,
  ): Promise<WakeTokens> {
    if (stored) return new WakeTokens(fromHex(stored), ttlMs);
    const key = crypto.getRandomValues(new Uint8Array(32));
    await store.saveSecret(TOKEN_KEY_SECRET, toHex(key));
    return new WakeTokens(key, ttlMs);
  }

  /** A token for `grant`, expiring after the configured lifetime. */
  async issue(grant: TokenGrant, nowMs: number): Promise<string> {
    const { SignJWT } = await loadJose();
    return new SignJWT({ inc: grant.incarnation, gen: grant.generation, wid: grant.wakeId })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(grant.subscriptionId)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor((nowMs + this.ttlMs) / 1000))
      .sign(this.key);
  }

  /**
   * The grant of a token presented for subscription `subscriptionId`; a 401
   * `TOKEN_INVALID` / `TOKEN_EXPIRED` error when it is not one of ours, is for
   * another subscription, or has expired.
   */
  async verify(token: string, subscriptionId: string, nowMs: number): Promise<TokenGrant> {
    const { errors, jwtVerify } = await loadJose();
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ["HS256"],
        audience: AUDIENCE,
        subject: subscriptionId,
        currentDate: new Date(nowMs),
      });
      const { inc, gen, wid } = payload as { inc?: unknown; gen?: unknown; wid?: unknown };
      if (typeof inc !== "string" || typeof gen !== "number" || typeof wid !== "string") {
        throw new SubscriptionError(401, "TOKEN_INVALID", "token is not a wake token");
      }
      return { subscriptionId, incarnation: inc, generation: gen, wakeId: wid };
    } catch (error) {
      if (error instanceof SubscriptionError) throw error;
      if (error instanceof errors.JWTExpired) {
        throw new SubscriptionError(401, "TOKEN_EXPIRED", "the wake token has expired");
      }
      throw new SubscriptionError(401, "TOKEN_INVALID", "the wake token is not valid here");
    }
  }
}

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export { TOKEN_KEY_SECRET };
