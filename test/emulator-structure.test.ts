/**
 * The emulator's shape as a component: its route table, and its independence from the bot's code.
 */
import { describe, expect, it } from "vitest";
import { matchRoute, ROUTE_TABLE } from "./emulator";

describe("route table", () => {
  it("matches method + path pattern to a route and its decoded parameters", () => {
    expect(matchRoute("POST", "/open-apis/im/v1/messages/om_1%2Fx/reply")).toMatchObject({
      route: "reply",
      params: { message_id: "om_1/x" },
      messageId: "om_1/x",
    });
    expect(matchRoute("PATCH", "/open-apis/im/v1/messages/om_2/")).toMatchObject({
      route: "patch",
      messageId: "om_2",
    });
    expect(matchRoute("POST", "/open-apis/im/v1/messages")).toMatchObject({ route: "create", params: {} });
    expect(matchRoute("GET", "/open-apis/drive/v1/files/task_check").route).toBe("task_check");
    expect(matchRoute("GET", "/open-apis/im/v1/messages/om_1/reply").route).toBe("unknown");
    expect(matchRoute("POST", "/open-apis/im/v1/messages/om_1/reply/x").route).toBe("unknown");
    expect(matchRoute("POST", "/open-apis/bot/v3/info").route).toBe("unknown");
  });

  it("has one entry per name, and only the token route skips the token check", () => {
    const names = ROUTE_TABLE.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const open = ROUTE_TABLE.filter((r) => "auth" in r && r.auth === false).map((r) => r.name);
    expect(open).toEqual(["token"]);
    for (const r of ROUTE_TABLE) {
      expect(matchRoute(r.method, r.path.replace(/:(\w+)/g, "x_$1")).route, r.path).toBe(r.name);
    }
  });
});
