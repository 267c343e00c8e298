/** Subscription settings of an engine, with the production defaults. */

import { fetchWebhookSender, type WebhookSender } from "./webhook-sender.js";

/** Subscription limits and policy. */
export interface SubscriptionOptions {
  /** Accept `http://localhost` / `http://127.0.0.x` webhooks (development). Default false. */
  readonly allowLocalhostWebhooks: boolean;
  /** Live subscriptions at most. Default 10,000. */
  readonly maxSubscriptions: number;
  /** Linked streams per subscription at most. Default 10,000. */
  readonly maxLinksPerSubscription: number;
  /** Lifetime of callback and claim tokens. Default 1 hour. */
  readonly tokenTtlMs: number;
  /** How long one webhook request may take. Default 10 s. */
  readonly webhookTimeoutMs: number;
  /** Webhook requests under way at once, across subscriptions. Default 64. */
  readonly maxConcurrentDeliveries: number;
  /** Told about every failed webhook delivery (for logs). */
  readonly onDeliveryFailure: (failure: DeliveryFailure) => void;
  /** Public stream root URL for callback and JWKS URLs; default: the creating request's. */
  readonly publicRootUrl: string | null;
  /** Outbound HTTP for webhooks. */
  readonly sender: WebhookSender;
  /** Source of randomness for retry jitter, in [0, 1). */
  readonly random: () => number;
}

/** A failed webhook delivery, as `onDeliveryFailure` is told about it. */
export interface DeliveryFailure {
  readonly subscriptionId: string;
  /** Failures in a row, this one included. */
  readonly attempt: number;
  readonly reason: string;
  /** When the next attempt is due (ms since epoch). */
  readonly nextAttemptAt: number;
}

/** What an engine's host may set about subscriptions (every field optional). */
export interface SubscriptionSettings {
  /** Accept `http://localhost` / `http://127.0.0.x` webhook URLs: development only. Default false. */
  readonly allowLocalhostWebhooks?: boolean;
  /** Live subscriptions at most. Default 10,000. */
  readonly maxSubscriptions?: number;
  /** Linked streams per subscription at most. Default 10,000. */
  readonly maxLinksPerSubscription?: number;
  /** Lifetime of callback and claim tokens in ms. Default 1 hour. */
  readonly tokenTtlMs?: number;
  /** How long one webhook request may take in ms. Default 10 s. */
  readonly webhookTimeoutMs?: number;
  /** Webhook requests under way at once, across subscriptions. Default 64. */
  readonly maxConcurrentDeliveries?: number;
  /**
   * Public URL of the stream root (`https://streams.example.com/v1/stream`)
   * for callback and JWKS URLs. Default: taken from the request that creates
   * the subscription.
   */
  readonly publicRootUrl?: string;
  /** Outbound HTTP for webhooks. Default: `fetch`, without DNS re-checks (no resolver). */
  readonly webhookSender?: WebhookSender;
  /** Told about every failed webhook delivery (for logs). Default: nothing. */
  readonly onDeliveryFailure?: (failure: DeliveryFailure) => void;
  /** Randomness for retry jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** Applies defaults. */
export function resolveSubscriptionOptions(
  settings: SubscriptionSettings = {},
): SubscriptionOptions {
  const allowLocalhostWebhooks = settings.allowLocalhostWebhooks ?? false;
  return {
    allowLocalhostWebhooks,
    maxSubscriptions: settings.maxSubscriptions ?? 10_000,
    maxLinksPerSubscription: settings.maxLinksPerSubscription ?? 10_000,
    tokenTtlMs: settings.tokenTtlMs ?? 60 * 60 * 1000,
    webhookTimeoutMs: settings.webhookTimeoutMs ?? 10_000,
    maxConcurrentDeliveries: settings.maxConcurrentDeliveries ?? 64,
    publicRootUrl: settings.publicRootUrl?.replace(/\/+$/, "") ?? null,
    sender: settings.webhookSender ?? fetchWebhookSender(allowLocalhostWebhooks),
    random: settings.random ?? Math.random,
    onDeliveryFailure: settings.onDeliveryFailure ?? (() => {}),
  };
}
