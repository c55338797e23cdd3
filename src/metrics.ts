import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Every metric the bot exports; documented in the table of docs/operations.md ("Metrics"). */
export function createMetrics(countOpenWatches: () => Promise<number>) {
  const registry = new Registry();
  const metrics = {
    registry,
    eventsReceived: new Counter({
      name: "feishu_events_received_total",
      help: "Events and callbacks by transport (webhook, websocket), type and outcome (accepted, duplicate, ignored, unaddressed: a message that cannot be for the bot, answered and not stored; rejected, failed, challenge)",
      labelNames: ["transport", "type", "outcome"] as const,
      registers: [registry],
    }),
    eventAnswerSeconds: new Histogram({
      name: "feishu_event_answer_seconds",
      help: "Time from an event arriving to its answer (webhook) or ack (websocket)",
      labelNames: ["transport"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    messageCalls: new Counter({
      name: "feishu_message_calls_total",
      help: "Message-API calls by API (reply, create, patch), purpose (reply, state_change, freshness, final, notice) and result (ok, error, dropped)",
      labelNames: ["api", "purpose", "result"] as const,
      registers: [registry],
    }),
    longConnectionUp: new Gauge({
      name: "feishu_long_connection_up",
      help: "1 while the long connection (FEISHU_EVENT_TRANSPORT=websocket) is connected, else 0",
      registers: [registry],
    }),
    longConnectionReconnects: new Counter({
      name: "feishu_long_connection_reconnects_total",
      help: "Times the long connection was lost and the SDK began reconnecting",
      registers: [registry],
    }),
    longConnectionAcks: new Counter({
      name: "feishu_long_connection_acks_total",
      help: "Frames acknowledged over the long connection, by ack code (200 taken, 500 to be delivered again)",
      labelNames: ["code"] as const,
      registers: [registry],
    }),
    commands: new Counter({
      name: "bot_commands_total",
      help: "Chat commands handled, by command",
      labelNames: ["command"] as const,
      registers: [registry],
    }),
    apiRequests: new Counter({
      name: "bot_api_requests_total",
      help: "Watch API requests by operation (create, get, stop, list, openapi, other) and HTTP status",
      labelNames: ["operation", "status"] as const,
      registers: [registry],
    }),
    taskChecks: new Counter({
      name: "feishu_task_check_total",
      help: "task_check calls by result (process, success, fail, unknown, or the failure kind)",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    notifications: new Counter({
      name: "bot_notifications_total",
      help: "Completion notifications, by result",
      labelNames: ["result"] as const,
      registers: [registry],
    }),
    userAuthorizations: new Counter({
      name: "bot_user_authorizations_total",
      help: "User authorizations coming back to /oauth/callback, by outcome (ok, denied, invalid_state, expired_state, replayed_state, no_code, wrong_person, exchange_failed)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    userTokenRefreshes: new Counter({
      name: "bot_user_token_refreshes_total",
      help: "Refreshes of people's tokens, by outcome (ok, retry: Feishu failed for now, dead: refused for good)",
      labelNames: ["outcome"] as const,
      registers: [registry],
    }),
    userIdentityEnds: new Counter({
      name: "bot_user_identity_ends_total",
      help: "People's identities the bot stopped using, by reason (logout, revoked: Feishu's event, refused: Feishu refused the token or its refresh for good, unreadable: sealed with a key no longer configured)",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    activeWatches: new Gauge({
      name: "bot_active_watches",
      help: "Watches not yet ended",
      registers: [registry],
      async collect() {
        this.set(await countOpenWatches());
      },
    }),
  };
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;
