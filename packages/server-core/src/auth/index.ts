/** Authentication and authorization: shared secret, scoped tokens, CORS origins. */

export { Access, forbidden } from "./access.js";
export { type AuthConfig, Authenticator } from "./authenticator.js";
export { type CorsOrigins, CorsPolicy } from "./cors.js";
export { boundLiveRead } from "./live-expiry.js";
export { compilePathGlob, type PathMatcher } from "./path-glob.js";
export { authorizeReserved, listableFilter } from "./reserved-access.js";
export { authorizeStreamRequest } from "./stream-access.js";
export { isOperation, OPERATIONS, type Operation } from "./token-operations.js";
export { signStreamToken, type TokenScope } from "./tokens.js";
