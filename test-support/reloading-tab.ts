/**
 * A browser tab as the Node tests of reload resumption see it: a `fetch`
 * that goes dead on `unload` — every pending and later request and body read
 * never settles, as a page's code never runs again after a reload — while
 * the tab's sessionStorage (kept by the test) outlives it.
 */

/** A tab whose fetch stops for good on `unload`. */
export interface ReloadingTab {
  readonly fetch: typeof fetch;
  unload(): void;
}

export function reloadingTab(): ReloadingTab {
  let unloaded = false;
  const never = new Promise<never>(() => {});
  const tabFetch: typeof fetch = async (input, init) => {
    if (unloaded) return never;
    const response = await fetch(input, init);
    if (unloaded) return never;
    if (response.body === null) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (unloaded) return never;
        const next = await reader.read();
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
    },
  };
}
