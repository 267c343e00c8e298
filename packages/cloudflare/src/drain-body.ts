/** Request bodies left unread by an early answer. */

/**
 * Reads and discards what is left of a request body answered without reading
 * it (the engine refuses some requests before their body; so does the
 * Worker). workerd closes a connection whose request body was not read to
 * the end, and a client that reuses it at that moment sees "other side
 * closed"; Node's adapter drains the same way.
 */
export async function drainBody(request: Request): Promise<void> {
  const body = request.body;
  if (body === null || body.locked) return;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done } = await reader.read();
      if (done) return;
    }
  } catch {
    // The client went away: nothing left to keep alive.
  } finally {
    reader.releaseLock();
  }
}
