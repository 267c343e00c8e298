/**
 * A browser tab as the Node tests of reload resumption see it: on `unload`
 * its connections are dropped (a browser cancels a page's requests when it
 * reloads) and its code never runs again — every pending and later request
 * and body read of its `fetch` never settles — while the tab's sessionStorage
 * (kept by the test) outlives it.
 */

/** A tab whose fetch stops for good on `unload`. */
export interface ReloadingTab {
  readonly fetch: typeof fetch;
  unload(): void;
}

export function reloadingTab(): ReloadingTab {
  let unloaded = false;
  const connections = new AbortController();
  const never = new Promise<never>(() => {});
  const tabFetch: typeof fetch = async (input, init) => {
    if (unloaded) return never;
    const signal = init?.signal
      ? AbortSignal.any([init.signal, connections.signal])
      : connections.signal;
    let response: Response;
    try {
      response = await fetch(input, { ...init, signal });
    } catch (error) {
      if (unloaded) return never;
      throw error;
    }
    if (unloaded) return never;
    if (response.body === null) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (unloaded) return never;
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (unloaded) return never;
          throw error;
        }
        if (unloaded) return never;
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  return {
    fetch: tabFetch,
    unload: () => {
      unloaded = true;
      connections.abort();
    },
  };
}
