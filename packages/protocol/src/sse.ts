/**
 * SSE frame encoding (Section 5.8). A frame is encoded once and written to
 * every subscriber at that position, so these return bytes, not strings.
 */

import { encodeBase64 } from "./base64.js";
import {
  SSE_CLOSED_FIELD,
  SSE_CURSOR_FIELD,
  SSE_OFFSET_FIELD,
  SSE_UP_TO_DATE_FIELD,
} from "./headers.js";

const encoder = new TextEncoder();
const utf8 = new TextDecoder();
const LINE_BREAK = /\r\n|\r|\n/;

/** The fields of an SSE `control` event. */
export interface SseControl {
  streamNextOffset: string;
  streamCursor?: string | undefined;
  upToDate?: boolean | undefined;
  streamClosed?: boolean | undefined;
}

/** Encodes an `event: data` frame carrying `payload` as text lines (text and JSON streams). */
export function encodeSseTextData(payload: string): Uint8Array {
  let frame = "event: data\n";
  for (const line of payload.split(LINE_BREAK)) frame += `data:${line}\n`;
  return encoder.encode(`${frame}\n`);
}

/** Encodes an `event: data` frame with the bytes as base64 (binary streams). */
export function encodeSseBase64Data(bytes: Uint8Array): Uint8Array {
  return encoder.encode(`event: data\ndata:${encodeBase64(bytes)}\n\n`);
}

/** Encodes an `event: data` frame for bytes of a text stream (UTF-8 decoded). */
export function encodeSseUtf8Data(bytes: Uint8Array): Uint8Array {
  return encodeSseTextData(utf8.decode(bytes));
}

/** Encodes an `event: control` frame. Field order is stable; absent flags are omitted. */
export function encodeSseControl(control: SseControl): Uint8Array {
  const fields: Record<string, string | boolean> = {
    [SSE_OFFSET_FIELD]: control.streamNextOffset,
  };
  if (control.streamCursor !== undefined) fields[SSE_CURSOR_FIELD] = control.streamCursor;
  if (control.upToDate) fields[SSE_UP_TO_DATE_FIELD] = true;
  if (control.streamClosed) fields[SSE_CLOSED_FIELD] = true;
  return encoder.encode(`event: control\ndata:${JSON.stringify(fields)}\n\n`);
}
