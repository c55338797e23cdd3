import { describe, expect, it } from "vitest";
import { useBot } from "../support/harness";

const t = useBot("all");

async function post(body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(t.bot.eventUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function inboxSize(): Promise<number> {
  const db = (await import("better-sqlite3")).default(t.bot.dbPath, { readonly: true });
  try {
    return (db.prepare("SELECT COUNT(*) AS n FROM inbox").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe("POST /webhook/event", () => {
  it("answers the challenge, encrypted, and refuses one with the wrong token", async () => {
    const good = await t.emu.deliver(t.bot.eventUrl, t.emu.challenge());
    expect(good.status).toBe(200);
    expect(good.body).toHaveProperty("challenge");
    const bad = await t.emu.deliver(t.bot.eventUrl, t.emu.challenge("wrong-token"));
    expect(bad.status).toBe(401);
  });

  it("refuses forged events with 401 and records nothing", async () => {
    const before = await inboxSize();
    const event = () => t.emu.messageEvent({ chatType: "p2p", text: "/status 123456789" });
    const noSignature = await t.emu.deliver(t.bot.eventUrl, event(), { sign: false });
    const badSignature = await t.emu.deliver(t.bot.eventUrl, event(), {
      headers: { "X-Lark-Signature": "0".repeat(64) },
    });
    const wrongToken = await t.emu.deliver(t.bot.eventUrl, event(), { token: "stolen" });
    expect([noSignature.status, badSignature.status, wrongToken.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await inboxSize()).toBe(before);
    expect(t.emu.requestsFor("reply")).toHaveLength(0);
    for (const line of t.bot.logs) expect(line).not.toContain(t.emu.options.encryptKey);
  });

  it("answers malformed bodies with 4xx, too large ones with 413, and keeps serving", async () => {
    const statuses = [
      (await post("{not json")).status,
      (await post("[]")).status,
      (await post('{"encrypt": 5}')).status,
      (await post("")).status,
      (await post(Buffer.alloc(3 * 1024 * 1024, 0x41))).status,
      (await post(`${"[".repeat(100_000)}`)).status,
    ];
    for (const status of statuses) expect(status).toBeGreaterThanOrEqual(400);
    for (const status of statuses) expect(status).toBeLessThan(500);
    expect(statuses[4]).toBe(413);
    const health = await fetch(`${t.bot.url}/healthz`);
    expect(health.status).toBe(200);
  });

  it("ignores event types it does not handle with a harmless 200", async () => {
    const event = {
      schema: "2.0",
      header: {
        event_id: "ev-unknown-1",
        event_type: "drive.file.title_updated_v1",
        create_time: String(Date.now()),
        token: t.emu.options.verificationToken,
        app_id: t.emu.options.appId,
        tenant_key: "t",
      },
      event: { file_token: "x" },
    };
    const res = await t.emu.deliver(t.bot.eventUrl, event);
    expect(res.status).toBe(200);
    // Made-up event types share one metric label, so they cannot grow /metrics.
    const metrics = await (await fetch(`${t.bot.url}/metrics`)).text();
    expect(metrics).toContain('type="other",outcome="ignored"');
    expect(metrics).not.toContain("drive.file.title_updated_v1");
  });
});

describe("health and metrics", () => {
  it("reports ready with the store and scheduler", async () => {
    const res = await fetch(`${t.bot.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", store: "ok", scheduler: "running" });
  });

  it("exports Prometheus text with the documented metrics", async () => {
    const text = await (await fetch(`${t.bot.url}/metrics`)).text();
    for (const name of [
      "feishu_events_received_total",
      "bot_commands_total",
      "feishu_task_check_total",
      "feishu_message_calls_total",
      "bot_notifications_total",
      "bot_active_watches",
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
    expect(text).toMatch(
      /feishu_events_received_total\{transport="webhook",type="unknown",outcome="rejected"\} [1-9]/,
    );
  });
});

describe("request logs", () => {
  it("logs each request with its latency and a request id, echoed in X-Request-Id", async () => {
    const res = await fetch(`${t.bot.url}/healthz`, { headers: { "X-Request-Id": "probe-123" } });
    expect(res.headers.get("x-request-id")).toBe("probe-123");
    const bad = await post("{not json");
    expect(bad.status).toBe(400);
    const lines = t.bot.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const health = lines.find((l) => l.message === "http request" && l.request_id === "probe-123");
    expect(health).toMatchObject({ method: "GET", path: "/healthz", status: 200 });
    expect(typeof health?.ms).toBe("number");
    const refused = lines.filter((l) => l.message === "webhook request refused").at(-1);
    const access = lines.filter((l) => l.message === "http request" && l.status === 400).at(-1);
    expect(refused?.request_id).toBeTruthy();
    expect(refused?.request_id).toBe(access?.request_id);
  });
});
