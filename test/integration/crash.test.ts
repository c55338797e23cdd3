import type { RecordedRequest, RouteName } from "@taskbot/feishu-emulator";
import { describe, expect, it } from "vitest";
import { TRANSPORTS, useChildBot } from "../support/harness";

/**
 * The bot as a real process, killed with SIGKILL at each risky moment and restarted on the same database,
 * over each transport. Each test checks the guarantee: every accepted command answered once, every completion
 * notified once.
 */
const TASK = "7360595374803812360";
const USER = "ou_crash_user_0000000000000000000001";

/*
 * On SQLite (one process per file) a restart voids the dead process's leases and resumes at once. On
 * PostgreSQL a new process cannot tell a dead predecessor from a live replica, so it waits for the leases to
 * expire (LEASE_MS): test/integration/replicas.test.ts kills a replica mid-flight there and checks the same
 * guarantees.
 */
describe.each(TRANSPORTS)(
  "kill -9 at every risky moment, then restart on the same database, over %s",
  (transport) => {
    const t = useChildBot(transport);

    /** Arms a one-shot SIGKILL of the running bot at the first request matching `when`; returns when it died. */
    function killAt(when: (r: RecordedRequest) => boolean): Promise<void> {
      return new Promise((resolve) => {
        const off = t.emu.onRequest((record) => {
          if (!when(record)) return;
          off();
          const dying = t.bot;
          dying.child.kill("SIGKILL");
          void dying.exited.then(() => resolve());
        });
      });
    }

    /** The request happens on Feishu's side but its answer never reaches the bot (it dies first). */
    function lostAnswer(route: RouteName) {
      t.emu.inject({ route, hang: true, afterHandling: true });
    }

    async function command(text: string) {
      const event = t.emu.messageEvent({ chatType: "group", text, senderOpenId: USER, mentionBot: true });
      const answer = await t.send(event);
      expect(answer.status).toBe(200);
      return event.event.message.message_id;
    }

    const cards = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "interactive");
    const notices = (id: string) => t.emu.repliesTo(id).filter((m) => m.msg_type === "text");

    /** After the restart: the task ends, and exactly one card and one notice exist for the command. */
    async function expectExactlyOnce(commandId: string) {
      t.emu.setTaskStatus(TASK, "success");
      await t.emu.waitFor(() => notices(commandId).length > 0, 15_000);
      await new Promise((r) => setTimeout(r, 1500));
      expect(cards(commandId)).toHaveLength(1);
      expect(notices(commandId)).toHaveLength(1);
      expect(notices(commandId)[0].text).toContain(`<at user_id="${USER}"></at>`);
      expect(JSON.stringify(cards(commandId)[0].card)).toContain('"template":"green"');
    }

    async function restart() {
      await t.spawn();
    }

    it("right after answering Feishu, before any work", async () => {
      t.emu.setTask(TASK, ["process"]);
      await t.spawn();
      const died = killAt((r) => r.route === "task_check");
      t.emu.inject({ route: "task_check", hang: true });
      const id = await command(`/status ${TASK}`);
      await died;
      expect(cards(id)).toHaveLength(0);
      await restart();
      await expectExactlyOnce(id);
    });

    it("while the card is being sent (Feishu never got it)", async () => {
      t.emu.setTask(TASK, ["process"]);
      await t.spawn();
      t.emu.inject({ route: "reply", hang: true });
      const died = killAt((r) => r.route === "reply");
      const id = await command(`/status ${TASK}`);
      await died;
      await restart();
      await expectExactlyOnce(id);
    });

    it("after Feishu created the card, before the bot recorded it", async () => {
      t.emu.setTask(TASK, ["process"]);
      await t.spawn();
      lostAnswer("reply");
      const died = killAt((r) => r.route === "reply");
      const id = await command(`/status ${TASK}`);
      await died;
      expect(cards(id)).toHaveLength(1); // Feishu has it; the bot never heard
      await restart();
      await expectExactlyOnce(id);
    });

    it("between the final patch and the notification", async () => {
      t.emu.setTask(TASK, ["process"]);
      await t.spawn();
      const id = await command(`/status ${TASK}`);
      await t.emu.waitFor(() => cards(id).length > 0, 5000);
      const died = killAt((r) => r.route === "patch" && JSON.stringify(r.body).includes("green"));
      lostAnswer("patch");
      t.emu.setTaskStatus(TASK, "success");
      await died;
      expect(notices(id)).toHaveLength(0);
      await restart();
      await expectExactlyOnce(id);
    });

    it("after Feishu posted the notification, before the bot recorded it", async () => {
      t.emu.setTask(TASK, ["process"]);
      await t.spawn();
      const id = await command(`/status ${TASK}`);
      await t.emu.waitFor(() => cards(id).length > 0, 5000);
      const died = killAt((r) => r.route === "reply" && JSON.stringify(r.body).includes('\\"text\\"'));
      lostAnswer("reply");
      t.emu.setTaskStatus(TASK, "success");
      await died;
      expect(notices(id)).toHaveLength(1);
      await restart();
      await expectExactlyOnce(id);
    });

    it("a plain command whose reply was posted but not recorded is not answered twice", async () => {
      await t.spawn();
      lostAnswer("reply");
      const died = killAt((r) => r.route === "reply");
      const id = await command("/help");
      await died;
      await restart();
      await new Promise((r) => setTimeout(r, 2000));
      expect(t.emu.repliesTo(id)).toHaveLength(1);
      // The restarted bot did retry (same uuid), which is what makes this safe.
      expect(t.emu.requestsFor("reply").length).toBeGreaterThanOrEqual(2);
    });
  },
);
