/** The generation's stream, created unless it exists. */

import { type DurableStream, DurableStreamError } from "@durastream/client";

/** Creates the stream unless it exists (an existing stream is reused as is). */
export async function ensureStream(
  stream: DurableStream,
  contentType: string,
  createIfMissing: boolean,
): Promise<void> {
  if (!createIfMissing) return;
  try {
    await stream.create({ contentType });
  } catch (error) {
    const exists =
      error instanceof DurableStreamError &&
      error.status === 409 &&
      (error.code === "CONFLICT_EXISTS" || error.code === "CONFLICT_SEQ");
    if (!exists) throw error;
  }
}
