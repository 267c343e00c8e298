/**
 * Hash routes, so any static file server can serve the console from one
 * index.html: `#/` the list, `#/s/<path>` a stream, `#/s/<path>?view=state`
 * its State view.
 */

import { useEffect, useState } from "preact/hooks";

export interface Route {
  /** The open stream, or null. */
  readonly path: string | null;
  readonly view: "messages" | "state";
}

export function parseRoute(hash: string): Route {
  const match = /^#\/s\/([^?]*)(\?(.*))?$/.exec(hash);
  if (!match) return { path: null, view: "messages" };
  const query = new URLSearchParams(match[3] ?? "");
  let path: string;
  try {
    path = decodeURIComponent(match[1]!);
  } catch {
    return { path: null, view: "messages" };
  }
  return { path, view: query.get("view") === "state" ? "state" : "messages" };
}

export function streamHref(path: string, view: Route["view"] = "messages"): string {
  const encoded = encodeURIComponent(path).replaceAll("%2F", "/");
  return `#/s/${encoded}${view === "state" ? "?view=state" : ""}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}
