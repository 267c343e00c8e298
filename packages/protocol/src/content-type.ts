/** Content-type helpers: normalisation, matching, and which types SSE carries as text. */

/** Default content type of a stream created without one (Section 5.1). */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

/** The media type of a Content-Type value: lowercased, parameters and whitespace dropped. */
export function mediaType(contentType: string): string {
  const semi = contentType.indexOf(";");
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** Whether two Content-Type values name the same media type. */
export function contentTypesMatch(a: string, b: string): boolean {
  return mediaType(a) === mediaType(b);
}

/** Whether a content type puts the stream in JSON mode (Section 9.1). */
export function isJsonContentType(contentType: string): boolean {
  return mediaType(contentType) === "application/json";
}

/** Whether SSE data events carry this content type as UTF-8 text (else base64, Section 5.8). */
export function isSseTextContentType(contentType: string): boolean {
  const type = mediaType(contentType);
  return type.startsWith("text/") || type === "application/json";
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/;

/** Whether a Content-Type value is syntactically a `type/subtype` media type. */
export function isValidContentType(contentType: string): boolean {
  return MEDIA_TYPE.test(mediaType(contentType));
}
