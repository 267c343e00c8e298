/**
 * Authentication of requests: the shared bearer secret (full access) or a
 * signed JWT naming path globs, operations and an expiry. HS256 tokens are
 * signed with the shared secret; EdDSA and ES256 tokens with keys the server
 * is configured with (PEM or JWK) or publishes at a JWKS URL. Verification
 * is jose's; verified tokens are cached (bounded) until they expire.
 */

import type { JWK, JWTPayload, JWTVerifyGetKey } from "jose";
import { constantTimeEqual } from "../http/constant-time.js";
import { ProtocolError } from "../http/errors.js";
import type { EngineRequest } from "../http/http-types.js";
import { Access } from "./access.js";
import { loadJose } from "./load-jose.js";
import { isOperation, type Operation } from "./token-operations.js";

/** How requests are authenticated. Auth is on when any credential source is set. */
export interface AuthConfig {
  /** Shared bearer secret: full access as is, and the HS256 key of scoped tokens. */
  readonly secret?: string | undefined;
  /** Public keys of EdDSA / ES256 token issuers: PEM (SPKI) strings or JWKs. */
  readonly publicKeys?: readonly (string | JWK)[] | undefined;
  /** A JWKS URL publishing the issuers' public keys (fetched and cached by jose). */
  readonly jwksUrl?: string | undefined;
  /** Required `iss` claim, when set. */
  readonly issuer?: string | undefined;
  /** Required `aud` claim, when set. */
  readonly audience?: string | undefined;
  /** Verified tokens remembered (they are re-checked for expiry). Default 10,000. */
  readonly cacheSize?: number | undefined;
}

const ASYMMETRIC = ["EdDSA", "ES256"];
const encoder = new TextEncoder();
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Turns `Authorization` headers into `Access`. */
export class Authenticator {
  readonly enabled: boolean;
  readonly #secret: string | undefined;
  readonly #secretKey: Uint8Array | undefined;
  readonly #keys: JWTVerifyGetKey | undefined;
  readonly #ready: Promise<void>;
  readonly #algorithms: string[];
  readonly #cache = new Map<string, Access>();
  readonly #cacheSize: number;

  constructor(
    private readonly config: AuthConfig,
    private readonly now: () => number,
  ) {
    this.#secret = config.secret === "" ? undefined : config.secret;
    this.#secretKey = this.#secret === undefined ? undefined : encoder.encode(this.#secret);
    let ready: Promise<unknown> = Promise.resolve();
    if (config.jwksUrl) {
      const url = new URL(config.jwksUrl);
      const jwks = loadJose().then(({ createRemoteJWKSet }) => createRemoteJWKSet(url));
      this.#keys = async (header, token) => (await jwks)(header, token);
      ready = jwks;
    } else if (config.publicKeys?.length) {
      const jwks = Promise.all(config.publicKeys.map(toJwk)).then(async (keys) =>
        (await loadJose()).createLocalJWKSet({ keys }),
      );
      this.#keys = async (header, token) => (await jwks)(header, token);
      ready = jwks;
    }
    // With auth on, jose (token verification) is loaded before the server listens.
    if (this.#secretKey || this.#keys) ready = Promise.all([ready, loadJose()]);
    this.#ready = ready.then(() => {});
    // Reported by `ready()`; requests meanwhile fail verification with a 401.
    this.#ready.catch(() => {});
    this.#algorithms = [...(this.#secretKey ? ["HS256"] : []), ...(this.#keys ? ASYMMETRIC : [])];
    this.enabled = this.#algorithms.length > 0;
    this.#cacheSize = config.cacheSize ?? 10_000;
  }

  /** Settles once configured public keys are imported; rejects when one is unusable. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /**
   * The access `request` has: full when auth is off; otherwise from its
   * bearer credential, or a 401 `UNAUTHORIZED` / `TOKEN_EXPIRED` error.
   */
  authenticate(request: EngineRequest): Access | Promise<Access> {
    if (!this.enabled) return Access.FULL;
    const credential = bearer(request.header("authorization"));
    if (credential === null) throw unauthorized("missing bearer token");
    if (this.#secret !== undefined && constantTimeEqual(credential, this.#secret)) {
      return Access.FULL;
    }
    if (!JWT_SHAPE.test(credential)) throw unauthorized("invalid bearer token");
    const cached = this.#cache.get(credential);
    if (cached !== undefined) {
      if (cached.expiresAt !== null && cached.expiresAt <= this.now()) {
        this.#cache.delete(credential);
        throw expired();
      }
      return cached;
    }
    return this.#verify(credential);
  }

  async #verify(token: string): Promise<Access> {
    const { errors, jwtVerify } = await loadJose();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, input) => this.#keyFor(header, input), {
        algorithms: this.#algorithms,
        issuer: this.config.issuer,
        audience: this.config.audience,
        currentDate: new Date(this.now()),
        requiredClaims: ["exp"],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw expired();
      throw unauthorized("invalid bearer token");
    }
    const access = accessOf(payload);
    if (this.#cache.size >= this.#cacheSize) {
      // Oldest first: a Map iterates in insertion order.
      this.#cache.delete(this.#cache.keys().next().value!);
    }
    this.#cache.set(token, access);
    return access;
  }

  #keyFor(...args: Parameters<JWTVerifyGetKey>): ReturnType<JWTVerifyGetKey> {
    const [header] = args;
    if (header.alg === "HS256") {
      if (!this.#secretKey) throw new Error("no HS256 key");
      return this.#secretKey;
    }
    if (!this.#keys) throw new Error(`no key for ${header.alg}`);
    return this.#keys(...args);
  }
}

/** Scope claims: `paths` (globs) and `ops` (operations), strings or arrays of them. */
function accessOf(payload: JWTPayload): Access {
  const paths = stringList(payload.paths);
  const ops = stringList(payload.ops);
  if (paths === null || paths.length === 0 || ops === null || !ops.every(isOperation)) {
    throw unauthorized("token lacks valid paths and ops claims");
  }
  try {
    return new Access(
      paths,
      ops as Operation[],
      payload.exp! * 1000,
      typeof payload.sub === "string" ? payload.sub : null,
    );
  } catch {
    throw unauthorized("token has an invalid path glob");
  }
}

function stringList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) return value;
  return null;
}

/** A configured key as a JWK (jose's local key set selects by `alg` and `kid`). */
async function toJwk(key: string | JWK): Promise<JWK> {
  if (typeof key !== "string") return key;
  const { exportJWK, importSPKI } = await loadJose();
  for (const alg of ASYMMETRIC) {
    try {
      return { ...(await exportJWK(await importSPKI(key, alg, { extractable: true }))), alg };
    } catch {
      // Not a key of this algorithm; try the next.
    }
  }
  throw new Error("public key is neither an Ed25519 nor a P-256 SPKI PEM");
}

function bearer(header: string | null): string | null {
  if (header === null) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header.trim());
  return match ? match[1]! : null;
}

const CHALLENGE = { "www-authenticate": 'Bearer realm="durastream"' };

function unauthorized(message: string): ProtocolError {
  return new ProtocolError(401, "UNAUTHORIZED", message, CHALLENGE);
}

function expired(): ProtocolError {
  return new ProtocolError(401, "TOKEN_EXPIRED", "bearer token expired", {
    "www-authenticate": 'Bearer realm="durastream", error="invalid_token"',
  });
}
