/** Content-type helpers. */

/** The JSON content type, as the CLI sends it. */
export const JSON_CONTENT_TYPE = "application/json";

/** Whether a content type puts a stream in JSON mode (media type `application/json`). */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(";")[0]!.trim().toLowerCase() === JSON_CONTENT_TYPE;
}
