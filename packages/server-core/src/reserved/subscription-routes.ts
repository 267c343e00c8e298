/**
 * `{stream root}/__ds/subscriptions/:id[...]` and `__ds/jwks.json` (spec
 * Sections 6, 7). Control routes use the server's authentication; callback,
 * ack and release are authorized by their wake token instead (a worker holds
 * that token, not the server secret), and the JWKS is public.
 */

import { encodeOffset } from "@durastream/protocol";
import type { EngineResponse } from "../http/http-types.js";
import type { SubscriptionState } from "../ports/subscription-types.js";
import { invalid, SubscriptionError } from "../subscriptions/errors.js";
import {
  configHash,
  parseStreamList,
  parseSubscriptionConfig,
  streamPathProblem,
  validateSubscriptionId,
} from "../subscriptions/parse-config.js";
import type { Subscriptions } from "../subscriptions/subscriptions.js";
import { acknowledge, claim, release } from "../subscriptions/wake-calls.js";
import { bearerToken, jsonReply, NO_CONTENT, readJson, replying } from "./json-reply.js";
import type { ReservedCall, ReservedContext, ReservedRoute } from "./route-types.js";

/** Most explicit streams one request may name. */
const MAX_STREAMS_PER_REQUEST = 1000;

function subscriptionsOf(ctx: ReservedContext): Subscriptions {
  const subs = ctx.subscriptions;
  if (!subs) throw new SubscriptionError(404, "SUBSCRIPTION_NOT_FOUND", "subscriptions are off");
  return subs;
}

/** Runs `handle` with the subscription engine (ready) and a validated id. */
function withSubscriptions(
  handle: (subs: Subscriptions, id: string, call: ReservedCall) => Promise<EngineResponse>,
): (call: ReservedCall) => Promise<EngineResponse> {
  return (call) =>
    replying(async () => {
      const subs = subscriptionsOf(call.ctx);
      await subs.ready;
      const id = call.params.id!;
      validateSubscriptionId(id);
      // Control routes under a scoped token: managing (or claiming for) a
      // subscription needs `admin` on its control path. Wake-token routes have no access.
      call.access?.require("admin", `__ds/subscriptions/${id}`);
      return handle(subs, id, call);
    });
}

/** The stream root URL of a request under `__ds/` (before the options' public URL). */
function requestRootUrl(streamUrl: string): string {
  const at = streamUrl.lastIndexOf("/__ds/");
  return at === -1 ? streamUrl : streamUrl.slice(0, at);
}

/** A subscription as GET / PUT return it (Section 6.3). */
function serialize(subs: Subscriptions, sub: SubscriptionState): Record<string, unknown> {
  const { config } = sub;
  return {
    id: sub.id,
    subscription_id: sub.id,
    type: config.type,
    pattern: config.pattern,
    streams: subs.sortedLinks(sub).map((link) => ({
      path: link.path,
      link_type: link.explicit ? "explicit" : "glob",
      acked_offset: encodeOffset(link.acked),
    })),
    webhook:
      config.webhookUrl === null
        ? null
        : {
            url: config.webhookUrl,
            signing: {
              alg: "ed25519",
              kid: subs.keys!.activeKid,
              jwks_url: `${sub.rootUrl}/__ds/jwks.json`,
            },
          },
    wake_stream: config.wakeStream,
    lease_ttl_ms: config.leaseTtlMs,
    created_at: new Date(sub.createdAt).toISOString(),
    status: sub.retryCount > 0 && sub.nextAttemptAt !== null ? "failed" : "active",
    description: config.description,
    // durastream extensions: the wake and retry state behind `status`.
    generation: sub.generation,
    holder: sub.holder,
    lease_expires_at:
      sub.leaseExpiresAt === null ? null : new Date(sub.leaseExpiresAt).toISOString(),
    next_attempt_at: sub.nextAttemptAt === null ? null : new Date(sub.nextAttemptAt).toISOString(),
  };
}

/** The subscription routes. */
export const subscriptionRoutes: readonly ReservedRoute[] = [
  {
    pattern: "jwks.json",
    methods: {
      GET: {
        auth: "self",
        handle: (call) =>
          replying(async () => {
            const subs = subscriptionsOf(call.ctx);
            await subs.ready;
            return jsonReply(200, subs.keys!.jwks(), {
              "content-type": "application/jwk-set+json",
              "cache-control": "public, max-age=300",
            });
          }),
      },
    },
  },
  {
    pattern: "subscriptions/:id",
    methods: {
      PUT: {
        handle: withSubscriptions(async (subs, id, { request, streamUrl }) => {
          const config = parseSubscriptionConfig(await readJson(request), {
            allowLocalhostWebhooks: subs.options.allowLocalhostWebhooks,
            maxStreamsPerRequest: MAX_STREAMS_PER_REQUEST,
          });
          const hash = await configHash(config);
          const { sub, created } = await subs.put(id, config, hash, requestRootUrl(streamUrl));
          return jsonReply(
            created ? 201 : 200,
            serialize(subs, sub),
            created ? { location: streamUrl } : {},
          );
        }),
      },
      GET: {
        handle: withSubscriptions(async (subs, id) =>
          jsonReply(200, serialize(subs, subs.live(id))),
        ),
      },
      DELETE: {
        handle: withSubscriptions(async (subs, id) => {
          await subs.delete(id);
          return NO_CONTENT;
        }),
      },
    },
  },
  {
    pattern: "subscriptions/:id/streams",
    methods: {
      POST: {
        handle: withSubscriptions(async (subs, id, { request }) => {
          const body = (await readJson(request)) as { streams?: unknown } | null;
          const streams = parseStreamList(body?.streams, "streams", MAX_STREAMS_PER_REQUEST);
          if (streams.length === 0) throw invalid("streams must name at least one stream");
          await subs.addStreams(id, streams);
          return NO_CONTENT;
        }),
      },
    },
  },
  {
    pattern: "subscriptions/:id/streams/*path",
    methods: {
      DELETE: {
        handle: withSubscriptions(async (subs, id, { params }) => {
          const path = params.path!;
          const problem = streamPathProblem(path);
          if (problem) throw invalid(problem);
          await subs.removeStream(id, path);
          return NO_CONTENT;
        }),
      },
    },
  },
  {
    pattern: "subscriptions/:id/callback",
    methods: {
      POST: {
        auth: "self",
        handle: withSubscriptions(async (subs, id, { request }) =>
          jsonReply(
            200,
            await acknowledge(subs, id, bearerToken(request), await readJson(request), "webhook"),
          ),
        ),
      },
    },
  },
  {
    pattern: "subscriptions/:id/claim",
    methods: {
      POST: {
        handle: withSubscriptions(async (subs, id, { request }) =>
          jsonReply(200, await claim(subs, id, await readJson(request))),
        ),
      },
    },
  },
  {
    pattern: "subscriptions/:id/ack",
    methods: {
      POST: {
        auth: "self",
        handle: withSubscriptions(async (subs, id, { request }) =>
          jsonReply(
            200,
            await acknowledge(subs, id, bearerToken(request), await readJson(request), "pull-wake"),
          ),
        ),
      },
    },
  },
  {
    pattern: "subscriptions/:id/release",
    methods: {
      POST: {
        auth: "self",
        handle: withSubscriptions(async (subs, id, { request }) => {
          await release(subs, id, bearerToken(request), await readJson(request));
          return NO_CONTENT;
        }),
      },
    },
  },
];
