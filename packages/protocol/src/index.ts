export * from "./base64.js";
export * from "./content-type.js";
export * from "./headers.js";
export * from "./json-framing.js";
export * from "./json-scan.js";
export * from "./offset.js";
export * from "./sse.js";
export * from "./strict-parse.js";
