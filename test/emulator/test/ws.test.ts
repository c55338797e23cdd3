/**
 * The emulator's long-connection mode, driven by the SDK's real, unmodified WSClient (and, for what the SDK
 * cannot do on purpose, a raw `ws` client speaking pbbp2). Timings are short but never asserted tightly.
 */
import * as lark from "@larksuiteoapi/node-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  DEFAULT_OPTIONS,
  decodeFrame,
  type Emulator,
  type EmulatorOptions,
  encodeFrame,
  type Frame,
  startEmulator,
  WS_CODES,
  waitFor,
} from "../src";

type Handler = (data: Record<string, unknown>) => unknown;
type ClientParams = ConstructorParameters<typeof lark.WSClient>[0];

interface Rig {
  client: lark.WSClient;
  /** Every dispatch, in order: the event type and the flattened data the handler got. */
  seen: Array<{ type: string; data: Record<string, unknown> }>;
  ready: number;
  reconnecting: number;
  reconnected: number;
  errors: Error[];
  /** The SDK's error and warn log lines, joined. */
  logs: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Fast reconnects; Feishu's ack timeout and ladder unless a test compresses them. */
const FAST: EmulatorOptions = { wsReconnectNonceSeconds: 0.05, wsReconnectIntervalSeconds: 0.2 };

let emu: Emulator;
const clients: lark.WSClient[] = [];
const rawSockets: WebSocket[] = [];

async function start(opts: EmulatorOptions = {}): Promise<Emulator> {
  emu = await startEmulator({ ...FAST, ...opts });
  return emu;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close({ force: true });
  for (const s of rawSockets.splice(0)) if (s.readyState !== WebSocket.CLOSED) s.terminate();
  await emu?.close();
});

function startClient(
  handlers: Record<string, Handler> = {},
  extra: Partial<ClientParams> = {},
  appSecret = emu.options.appSecret,
): Rig {
  const rig = { seen: [], ready: 0, reconnecting: 0, reconnected: 0, errors: [], logs: [] } as Omit<
    Rig,
    "client"
  >;
  const log = (parts: unknown) => {
    rig.logs.push(Array.isArray(parts) ? parts.join(" ") : String(parts));
  };
  const logger = { error: log, warn: log, info() {}, debug() {}, trace() {} };
  const wrapped: Record<string, Handler> = {};
  for (const type of ["im.message.receive_v1", "card.action.trigger", ...Object.keys(handlers)]) {
    wrapped[type] = (data) => {
      rig.seen.push({ type, data });
      return handlers[type]?.(data);
    };
  }
  const client = new lark.WSClient({
    appId: emu.options.appId,
    appSecret,
    domain: emu.url,
    logger,
    onReady: () => rig.ready++,
    onError: (err) => rig.errors.push(err),
    onReconnecting: () => rig.reconnecting++,
    onReconnected: () => rig.reconnected++,
    ...extra,
  });
  clients.push(client);
  const dispatcher = new lark.EventDispatcher({ logger }).register(wrapped);
  void client.start({ eventDispatcher: dispatcher });
  return Object.assign(rig, { client });
}
async function connectedClient(handlers: Record<string, Handler> = {}, extra: Partial<ClientParams> = {}) {
  const before = emu.longConnection.connections.filter((c) => c.ready).length;
  const rig = startClient(handlers, extra);
  await waitFor(() => rig.ready === 1);
  await emu.longConnection.waitForConnections(before + 1);
  return rig;
}

const message = (text = "hello") => emu.messageEvent({ chatType: "p2p", text });
const cardAction = (value: Record<string, unknown> = { action: "refresh" }) =>
  emu.cardActionEvent({ openMessageId: "om_card1", chatId: "oc_chat1", operatorOpenId: "ou_user1", value });
const dispatches = (rig: Rig, type = "im.message.receive_v1") => rig.seen.filter((s) => s.type === type);
const endpointCodes = () =>
  emu.requestsFor("ws_endpoint").map((r) => (r.response as { code?: number } | undefined)?.code ?? r.status);

/** A raw `ws` socket, terminated after the test; its errors (refused handshakes) are the test's to read. */
function rawSocket(url: string): WebSocket {
  const socket = new WebSocket(url);
  socket.on("error", () => {});
  rawSockets.push(socket);
  return socket;
}

/** A raw client: discovers the endpoint and opens the socket itself, frames decoded as they arrive. */
async function rawClient(): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const res = await fetch(`${emu.url}/callback/ws/endpoint`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ AppID: emu.options.appId, AppSecret: emu.options.appSecret }),
  });
  const body = (await res.json()) as { data: { URL: string } };
  const socket = rawSocket(body.data.URL);
  const frames: Frame[] = [];
  socket.on("message", (data: Buffer) => frames.push(decodeFrame(data)));
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  return { socket, frames };
}

const ping: Frame = { SeqID: 0, LogID: 0, service: 7, method: 0, headers: [{ key: "type", value: "ping" }] };

describe("connecting", () => {
  it("discovers the endpoint, upgrades and reports ready", async () => {
    await start();
    const rig = startClient();
    await waitFor(() => rig.ready === 1);
    const [conn] = await emu.longConnection.waitForConnections(1);
    expect(rig.client.getConnectionStatus().state).toBe("connected");
    const [discovery] = emu.requestsFor("ws_endpoint");
    expect(discovery.body).toEqual({ AppID: emu.options.appId, AppSecret: emu.options.appSecret });
    expect(discovery.headers.authorization).toBeUndefined();
    const data = (discovery.response as { data: { URL: string; ClientConfig: object } }).data;
    expect(data.URL).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\?device_id=dev_\w+&service_id=\d+$/);
    expect(data.ClientConfig).toEqual({
      PingInterval: DEFAULT_OPTIONS.wsPingIntervalSeconds,
      ReconnectCount: -1,
      ReconnectInterval: 0.2,
      ReconnectNonce: 0.05,
    });
    const [upgrade] = emu.requestsFor("ws_upgrade");
    expect(upgrade.status).toBe(101);
    expect(upgrade.query.device_id).toBe(conn.deviceId);
    expect(emu.longConnection.connectionCount).toBe(1);
    expect(conn.pings).toBeGreaterThanOrEqual(1); // the SDK pings as soon as it opens
  });

  it("answers a ping with a pong carrying all four ClientConfig fields", async () => {
    await start({ wsPingIntervalSeconds: 42 });
    const raw = await rawClient();
    raw.socket.send(encodeFrame(ping));
    await waitFor(() => raw.frames.length === 1);
    const [pong] = raw.frames;
    expect(pong.method).toBe(0);
    expect(pong.headers).toEqual([{ key: "type", value: "pong" }]);
    expect(JSON.parse(Buffer.from(pong.payload ?? []).toString())).toEqual({
      PingInterval: 42,
      ReconnectCount: -1,
      ReconnectInterval: 0.2,
      ReconnectNonce: 0.05,
    });
    expect(emu.longConnection.connections[0]).toMatchObject({ pings: 1, pongs: 1, ready: true });
  });

  it("pings every PingInterval: 1 s from the endpoint gives about one ping a second", async () => {
    await start({ wsPingIntervalSeconds: 1 });
    await connectedClient();
    const started = Date.now();
    await waitFor(() => (emu.longConnection.connections[0]?.pings ?? 0) >= 3, 6000); // 5 s apart: ~10 s
    // three pings = the one on open + two intervals: never sooner than ~2 s (the SDK's default is 120 s)
    expect(Date.now() - started).toBeGreaterThan(1500);
  });

  it("the client applies the ClientConfig of a pong", async () => {
    await start({ wsPingIntervalSeconds: 0.2 });
    await connectedClient();
    await waitFor(() => (emu.longConnection.connections[0]?.pings ?? 0) >= 4);
    emu.longConnection.setClientConfig({ PingInterval: 60 });
    await sleep(1500); // the next pong says 60 s; at most two more pings were already scheduled
    const settled = emu.longConnection.connections[0].pings;
    await sleep(1200); // at 0.2 s, about six more pings would have come
    expect(emu.longConnection.connections[0].pings).toBe(settled);
    expect(emu.requestsFor("ws_endpoint")).toHaveLength(1); // the pong did it, not a new discovery
  });
});

describe("pushes and acks", () => {
  it("an event is dispatched flattened and acked with code 200 exactly once", async () => {
    await start();
    const rig = await connectedClient();
    const env = message("/status 1");
    const handle = emu.longConnection.push(env);
    const ack = await handle.acked;
    expect(ack).toMatchObject({ messageId: handle.messageId, code: 200, attempt: 1, late: false });
    expect(ack.headers.biz_rt).toBeDefined();
    await sleep(300);
    expect(emu.longConnection.acksFor(handle.messageId)).toHaveLength(1);
    expect(handle.attempts.map((a) => a.outcome)).toEqual(["acked"]);
    const [seen] = dispatches(rig);
    expect(dispatches(rig)).toHaveLength(1);
    expect(seen.data).toMatchObject({
      event_id: env.header.event_id,
      event_type: "im.message.receive_v1",
      tenant_key: env.header.tenant_key,
      app_id: emu.options.appId,
      message: { message_id: env.event.message.message_id, content: env.event.message.content },
      sender: env.event.sender,
    });
    expect(emu.longConnection.protocolErrors).toEqual([]);
  });

  it("a card.action.trigger answer comes back in the ack's data", async () => {
    await start();
    const toast = { toast: { type: "success", content: "refreshed" } };
    const rig = await connectedClient({ "card.action.trigger": () => toast });
    const env = cardAction({ action: "refresh", task: "7360595374803812356" });
    const handle = emu.longConnection.push(env);
    expect(handle.callback).toBe(true);
    const ack = await handle.acked;
    expect(ack.code).toBe(200);
    expect(ack.data).toEqual(toast);
    expect(Buffer.from(ack.rawData ?? "", "base64").toString()).toBe(JSON.stringify(toast));
    expect(dispatches(rig, "card.action.trigger")[0].data).toMatchObject({
      action: { value: { action: "refresh", task: "7360595374803812356" } },
      context: { open_message_id: "om_card1" },
    });
  });

  it("fragments sent out of order give one dispatch and one ack, for the completing fragment", async () => {
    await start();
    const rig = await connectedClient();
    const handle = emu.longConnection.push(message("a longer text, split in four"), {
      fragments: 4,
      order: [3, 1, 0, 2],
    });
    const ack = await handle.acked;
    expect(ack).toMatchObject({ seq: 2, sum: 4, code: 200 });
    await sleep(300);
    expect(dispatches(rig)).toHaveLength(1);
    expect(emu.longConnection.acksFor(handle.messageId)).toHaveLength(1);
    expect(emu.longConnection.protocolErrors).toEqual([]);
  });

  it("a type=card frame is dropped by the SDK: no ack, no dispatch, never re-pushed", async () => {
    await start({ wsAckTimeoutMs: 400, wsRepushDelaysMs: [50, 50] });
    const rig = await connectedClient();
    const handle = emu.longConnection.push(cardAction(), { frameType: "card" });
    expect(handle.callback).toBe(true);
    await expect(handle.acked).rejects.toThrow(/no ack in time/);
    await sleep(300);
    expect(emu.longConnection.acksFor(handle.messageId)).toEqual([]);
    expect(rig.seen).toEqual([]);
    expect(handle.attempts).toHaveLength(1);
  });

  it("a handler that throws gets a non-200 ack and the event is re-pushed until acked once", async () => {
    await start({ wsRepushDelaysMs: [100, 100] });
    let calls = 0;
    const rig = await connectedClient({
      "im.message.receive_v1": () => {
        calls++;
        if (calls === 1) throw new Error("handler failed");
      },
    });
    const handle = emu.longConnection.push(message());
    const ack = await handle.acked;
    expect(ack).toMatchObject({ code: 200, attempt: 2 });
    await sleep(300);
    const acks = emu.longConnection.acksFor(handle.messageId);
    expect(acks.map((a) => a.code)).toEqual([500, 200]);
    expect(handle.attempts.map((a) => a.outcome)).toEqual(["rejected", "acked"]);
    expect(dispatches(rig)).toHaveLength(2);
    expect(new Set(dispatches(rig).map((d) => d.data.event_id)).size).toBe(1); // the same event again
  });

  it("a handler slower than the ack timeout gets the event re-pushed; its late ack changes nothing", async () => {
    await start({ wsAckTimeoutMs: 600, wsRepushDelaysMs: [100, 100] });
    let calls = 0;
    const rig = await connectedClient({
      "im.message.receive_v1": async () => {
        calls++;
        if (calls === 1) await sleep(2000);
      },
    });
    const handle = emu.longConnection.push(message());
    const ack = await handle.acked;
    expect(ack.attempt).toBeGreaterThanOrEqual(2);
    expect(handle.attempts[0].outcome).toBe("timeout");
    await waitFor(() => emu.longConnection.acksFor(handle.messageId).some((a) => a.attempt === 1), 5000);
    const late = emu.longConnection.acksFor(handle.messageId).find((a) => a.attempt === 1);
    expect(late).toMatchObject({ code: 200, late: true });
    expect(handle.attempts.at(-1)?.outcome).toBe("acked");
    expect(dispatches(rig)).toHaveLength(handle.attempts.length);
  });

  it("a callback is never re-pushed, whether its handler throws or is too slow", async () => {
    await start({ wsAckTimeoutMs: 1000, wsRepushDelaysMs: [50, 50] });
    let calls = 0;
    const rig = await connectedClient({
      "card.action.trigger": async () => {
        calls++;
        if (calls === 1) throw new Error("callback failed");
        await sleep(2500);
        return {};
      },
    });
    const thrown = emu.longConnection.push(cardAction());
    await expect(thrown.acked).rejects.toThrow(/ack code 500/);
    const slow = emu.longConnection.push(cardAction());
    await expect(slow.acked).rejects.toThrow(/no ack in time/);
    await sleep(500); // an event would have been re-pushed 50 ms after failing
    expect(thrown.attempts).toHaveLength(1);
    expect(slow.attempts).toHaveLength(1);
    expect(dispatches(rig, "card.action.trigger")).toHaveLength(2);
  });

  it("with two clients, each event goes to one of them and is handled once in total", async () => {
    await start();
    const a = await connectedClient();
    const b = await connectedClient();
    const handles = Array.from({ length: 20 }, (_, i) => emu.longConnection.push(message(`m${i}`)));
    const acks = await Promise.all(handles.map((h) => h.acked));
    await sleep(300);
    const ids = [...dispatches(a), ...dispatches(b)].map((d) => d.data.event_id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    expect(dispatches(a).length).toBeGreaterThan(0); // random spread: all 20 on one side is ~2e-6
    expect(dispatches(b).length).toBeGreaterThan(0);
    expect(new Set(acks.map((k) => k.connectionId)).size).toBe(2);
    expect(emu.longConnection.acks).toHaveLength(20);
  });
});

describe("limits and refusals", () => {
  it("refuses one connection over the cap (50 by default) with exceed_conn_limit", async () => {
    expect(DEFAULT_OPTIONS.wsMaxConnections).toBe(50);
    await start({ wsMaxConnections: 2 });
    await connectedClient();
    await connectedClient();
    const third = startClient();
    await waitFor(() => endpointCodes().includes(WS_CODES.EXCEED_CONN_LIMIT));
    const refusal = emu.requestsFor("ws_endpoint").at(-1);
    expect(refusal?.response).toEqual({ code: WS_CODES.EXCEED_CONN_LIMIT, msg: "exceed_conn_limit" }); // no data
    await sleep(300);
    expect(emu.longConnection.connectionCount).toBe(2);
    expect(third.ready).toBe(0);
    expect(third.errors).toEqual([]); // without `data` the SDK keeps retrying (slowly: its own 30 s nonce)
  });

  it("refuses the handshake over the cap too, for a client that raced past discovery", async () => {
    await start({ wsMaxConnections: 1 });
    const urls: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${emu.url}/callback/ws/endpoint`, {
        method: "POST",
        body: JSON.stringify({ AppID: emu.options.appId, AppSecret: emu.options.appSecret }),
      });
      urls.push(((await res.json()) as { data: { URL: string } }).data.URL);
    }
    const first = rawSocket(urls[0]);
    await new Promise((r) => first.once("open", r));
    const second = rawSocket(urls[1]);
    const refused = await new Promise<{ status?: number; headers: Record<string, unknown> }>((resolve) =>
      second.once("unexpected-response", (_req, res) =>
        resolve({ status: res.statusCode, headers: res.headers }),
      ),
    );
    expect(refused.status).toBe(403);
    expect(refused.headers["handshake-autherrcode"]).toBe(String(WS_CODES.EXCEED_CONN_LIMIT));
    expect(emu.longConnection.connectionCount).toBe(1);
  });

  it("wrong secret: the fatal auth answer (514 with data), onError and no connection", async () => {
    await start();
    const rig = startClient({}, {}, "wrong-secret");
    await waitFor(() => rig.errors.length === 1);
    expect(rig.errors[0].message).toContain(`code=${WS_CODES.AUTH_FAILED}`);
    expect(emu.requestsFor("ws_endpoint")[0].response).toEqual({ code: 514, msg: "auth failed", data: {} });
    await sleep(500);
    expect(emu.requestsFor("ws_endpoint")).toHaveLength(1); // no retry
    expect(emu.requestsFor("ws_upgrade")).toHaveLength(0);
    expect(rig.client.getConnectionStatus().state).toBe("failed");
  });

  it("a store app is refused the long connection (403 with data, fatal)", async () => {
    await start({ appType: "store" });
    const rig = startClient();
    await waitFor(() => rig.errors.length === 1);
    expect(rig.errors[0].message).toContain(`code=${WS_CODES.FORBIDDEN}`);
    expect(emu.longConnection.connectionCount).toBe(0);
  });
});

describe("faults", () => {
  it("endpoint HTTP 5xx and a code without data are retried by the client, which then connects", async () => {
    await start();
    const rig = await connectedClient(); // the first discovery hands the client the fast ClientConfig
    emu.longConnection.injectEndpointFault({ kind: "http", status: 503 });
    emu.longConnection.injectEndpointFault({ kind: "code", code: WS_CODES.SYSTEM_BUSY, withData: false });
    emu.longConnection.dropConnections();
    await waitFor(() => rig.reconnected === 1, 10_000);
    expect(endpointCodes()).toEqual([0, 503, WS_CODES.SYSTEM_BUSY, 0]);
    expect(emu.requestsFor("ws_endpoint").filter((r) => r.fault)).toHaveLength(2);
    expect(rig.errors).toEqual([]);
    await emu.longConnection.waitForConnections(1);
  });

  it("an endpoint code with data is fatal: onError, no connection, no retry", async () => {
    await start();
    emu.longConnection.injectEndpointFault({
      kind: "code",
      code: WS_CODES.EXCEED_CONN_LIMIT,
      withData: true,
    });
    const rig = startClient();
    await waitFor(() => rig.errors.length === 1);
    expect(rig.errors[0].message).toContain(`code=${WS_CODES.EXCEED_CONN_LIMIT}`);
    await sleep(500);
    expect(emu.requestsFor("ws_endpoint")).toHaveLength(1);
    expect(emu.longConnection.connectionCount).toBe(0);
    expect(rig.ready).toBe(0);
  });

  it("refused upgrades are retried until one succeeds", async () => {
    await start();
    emu.longConnection.refuseUpgrades(2, 503);
    const rig = startClient();
    await waitFor(() => rig.ready === 1, 10_000);
    expect(emu.requestsFor("ws_upgrade").map((r) => r.status)).toEqual([503, 503, 101]);
    expect(emu.requestsFor("ws_endpoint")).toHaveLength(3); // the SDK discovers again before each attempt
    expect(rig.errors).toEqual([]);
  });

  it("a dropped socket: the client reconnects, and an event pushed meanwhile is delivered and acked once", async () => {
    await start();
    const rig = await connectedClient();
    const [before] = emu.longConnection.connections;
    expect(emu.longConnection.dropConnections()).toBe(1);
    const handle = emu.longConnection.push(message("sent while disconnected"));
    expect(handle.attempts).toHaveLength(0); // waiting for a connection
    const ack = await handle.acked;
    expect(ack.connectionId).not.toBe(before.id);
    expect(ack).toMatchObject({ code: 200, attempt: 1 });
    await sleep(300);
    expect(rig.reconnecting).toBeGreaterThanOrEqual(1);
    expect(rig.reconnected).toBe(1);
    expect(dispatches(rig)).toHaveLength(1);
    expect(emu.longConnection.acksFor(handle.messageId)).toHaveLength(1);
  });

  it("withheld pongs: with pingTimeout the client terminates the silent socket and reconnects", async () => {
    // The SDK re-arms its watchdog at every ping: a pingTimeout not below PingInterval never fires.
    await start({ wsPingIntervalSeconds: 1 });
    const rig = await connectedClient({}, { wsConfig: { pingTimeout: 0.4 } });
    const [first] = emu.longConnection.connections;
    emu.longConnection.withholdPongs(true);
    await waitFor(() => {
      const c = emu.longConnection.connections.find((x) => x.id === first.id);
      return c !== undefined && c.pings > c.pongs;
    });
    await waitFor(() => !emu.longConnection.connections.some((x) => x.id === first.id), 5000);
    emu.longConnection.withholdPongs(false);
    await waitFor(() => rig.reconnected >= 1, 10_000);
    const [now] = await emu.longConnection.waitForConnections(1);
    expect(now.id).not.toBe(first.id);
    expect(rig.logs.join("\n")).toContain("no pong/inbound within 0.4s");
  });

  it("garbage frames crash neither side", async () => {
    await start();
    const rig = await connectedClient();
    for (const kind of ["not-protobuf", "missing-required", "text", "bad-fragment"] as const) {
      expect(emu.longConnection.sendGarbage(kind)).toBe(1);
    }
    await waitFor(() => rig.logs.length >= 4);
    expect(rig.logs.filter((l) => l.includes("failed to handle inbound frame"))).toHaveLength(3);
    expect(rig.logs.some((l) => l.includes("failed to merge event fragments"))).toBe(true);
    // and the other way round: a raw client sends the emulator garbage
    const raw = await rawClient();
    raw.socket.send("not a frame");
    raw.socket.send(Buffer.from("ffffffffff0f", "hex"));
    raw.socket.send(encodeFrame({ ...ping, method: 1, payload: Buffer.from('{"code":200}') })); // an ack for nothing
    raw.socket.send(encodeFrame(ping));
    await waitFor(() => raw.frames.length === 1); // still answering pings
    expect(emu.longConnection.protocolErrors.map((e) => e.problem)).toEqual([
      expect.stringContaining("text message"),
      expect.stringContaining("undecodable frame"),
      expect.stringContaining("ack matching no frame"),
    ]);
    const handle = emu.longConnection.push(message(), { connectionId: emu.longConnection.connections[0].id });
    expect((await handle.acked).code).toBe(200);
    expect(rig.client.getConnectionStatus().state).toBe("connected");
  });
});

describe("emulator API", () => {
  it("with no connection, an event waits while a callback fails after the ack timeout", async () => {
    await start({ wsAckTimeoutMs: 300 });
    const event = emu.longConnection.push(message());
    const callback = emu.longConnection.push(cardAction());
    await expect(callback.acked).rejects.toThrow(/no connection for the callback/);
    expect(callback.attempts).toHaveLength(0);
    const rig = await connectedClient();
    expect((await event.acked).attempt).toBe(1);
    expect(dispatches(rig)).toHaveLength(1);
    expect(dispatches(rig, "card.action.trigger")).toHaveLength(0);
  });

  it("reset() rejects in-flight pushes and forgets acks; close() ends every socket", async () => {
    await start();
    const rig = await connectedClient();
    await emu.longConnection.push(message()).acked;
    emu.longConnection.dropConnections();
    const stranded = emu.longConnection.push(message()); // no connection: it waits
    emu.reset();
    await expect(stranded.acked).rejects.toThrow(/emulator reset/);
    expect(emu.longConnection.acks).toEqual([]);
    await waitFor(() => rig.reconnected === 1);
    await emu.longConnection.waitForConnections(1);
    expect(dispatches(rig)).toHaveLength(1); // the stranded push was never sent
    await emu.close();
    await waitFor(() => rig.reconnecting >= 2); // the client saw its socket end
    expect(emu.longConnection.connectionCount).toBe(0);
  });
});
