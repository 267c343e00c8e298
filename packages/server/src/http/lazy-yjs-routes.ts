/**
 * The Yjs routes, loaded on the first `/v1/yjs` request: the Yjs protocol
 * pulls in `yjs`, `lib0` and its own modules (~40 files), which a server
 * restarting with many streams would otherwise compile before it could
 * answer its first stream request.
 */

import type { EngineRequest, EngineResponse } from "@durastream/server-core";
import type { YjsRoutes, YjsRoutesOptions } from "@durastream/yjs/server";

/** Same surface as `YjsRoutes` for the server: `handle` and `idle`. */
export class LazyYjsRoutes {
  readonly #options: YjsRoutesOptions;
  #routes: Promise<YjsRoutes> | undefined;

  constructor(options: YjsRoutesOptions) {
    this.#options = options;
  }

  async handle(request: EngineRequest, url: string): Promise<EngineResponse> {
    this.#routes ??= import("@durastream/yjs/server").then(
      ({ YjsRoutes }) => new YjsRoutes(this.#options),
    );
    return (await this.#routes).handle(request, url);
  }

  /** Settles once compactions have ended; nothing to wait for when no Yjs request came. */
  async idle(): Promise<void> {
    if (this.#routes !== undefined) await (await this.#routes).idle();
  }
}
