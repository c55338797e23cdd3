/**
 * The console in a real browser, on each transport the bot can use: a person starts a Drive task in the
 * panel, sends `/status` from the composer, watches the card live until the task ends and the notice, clicks
 * Refresh and Stop and reads the toasts, uses `/list` and `/help`, switches the cards' language, reads the
 * inspector, switches a fault on and off, removes and re-adds the bot, and uses a phone-sized window; and the
 * page logs no error and no request fails. The real bot, the real SDK and SQLite run behind it.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TRANSPORTS } from "../support/transport";
import { type LaunchedBrowser, launchChromium } from "./support/chromium";
import { cardUnder, openChat, openTab, say, startTask } from "./support/console-page";
import { type ConsoleStack, openConsole, startConsoleStack } from "./support/console-stack";

describe.each(TRANSPORTS)("the console, the bot on the %s", (transport) => {
  let stack: ConsoleStack;
  let browser: LaunchedBrowser;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    stack = await startConsoleStack(transport);
    browser = await launchChromium();
    ({ page, problems } = await openConsole(browser, stack.console.url));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const toast = (text: string) => page.locator(".toast", { hasText: text }).first();

  it("opens on the direct message, with the chats, the people and the bot's transport", async () => {
    await expect
      .poll(() => page.locator("#transport").textContent())
      .toContain(transport === "webhook" ? "webhook" : "long connection");
    const chats = await page.locator("#chats button").allTextContents();
    expect(chats.join("|")).toMatch(/Direct message.*\|#ops.*\|#releases \(topics\)topic group/);
    expect(await page.locator("#speaker option").allTextContents()).toEqual(["Alice", "Bob", "陈伟"]);
    await expect.poll(() => page.locator("#chat-title").textContent()).toBe("Direct message");
  });

  it("a task from the Drive panel, /status from the composer: the card with its id, live until the task ends, then the notice", async () => {
    const id = await startTask(page, { operation: "move", outcome: "success", seconds: 4 });
    expect(id).toMatch(/^\d{19}$/);
    await page.locator(`[data-copy="${id}"]`).click();
    expect(await page.getByLabel("Message Direct message").inputValue()).toBe(`/status ${id}`);
    await page.getByLabel("Message Direct message").press("Enter");
    const card = cardUnder(page, id);
    await card.waitFor({ timeout: 10_000 });
    expect(await card.locator(".fc-title").textContent()).toBe(`Drive task ${id}`);
    expect(await card.locator(".fc-header .fc-tag").textContent()).toBe("Running");
    await card.locator(".fc-header-green").waitFor({ timeout: 20_000 }); // the same card, patched live
    expect(await card.locator(".fc-header .fc-tag").textContent()).toBe("Success");
    const notice = page.locator(".thread .bubble", { hasText: `Task ${id} finished: success` });
    await notice.waitFor({ timeout: 10_000 });
    // The panel redraws its tasks' states once a second.
    await expect
      .poll(() => page.locator(`#tasks [data-task-id="${id}"] .status`).textContent())
      .toBe("success");
  });

  it("Refresh now and Stop watching answer with toasts; the card changes in place; only the asker may stop", async () => {
    await openChat(page, "#ops");
    const id = await startTask(page, { operation: "delete", outcome: "success", seconds: 600 });
    await say(page, `/status ${id}`);
    const card = cardUnder(page, id);
    await card.getByRole("button", { name: "Refresh now" }).click();
    await toast("Refreshed: Running").waitFor();
    await page.getByLabel("Speak as").selectOption({ label: "Bob" });
    await card.getByRole("button", { name: "Stop watching" }).click();
    await toast("Only the person who asked can stop this watch.").waitFor();
    await page.getByLabel("Speak as").selectOption({ label: "Alice" });
    await card.getByRole("button", { name: "Stop watching" }).click();
    await toast(`Stopped watching task ${id}.`).waitFor();
    await expect.poll(() => card.locator(".fc-header .fc-tag").textContent()).toBe("Stopped");
    expect(await card.getByRole("button").count()).toBe(0);
  });

  it("ending a task from the panel turns its card red, with a notice that @-mentions the asker", async () => {
    await openChat(page, "#ops");
    const id = await startTask(page, { operation: "move", outcome: "success", seconds: 600 });
    await say(page, `/status ${id}`);
    const card = cardUnder(page, id);
    await card.waitFor({ timeout: 10_000 });
    await page.locator(`[data-end="fail"][data-id="${id}"]`).click();
    await card.locator(".fc-header-red").waitFor({ timeout: 20_000 });
    const notice = page.locator(".thread .bubble", { hasText: `Task ${id} finished: failed` });
    await notice.waitFor({ timeout: 10_000 });
    expect(await notice.locator(".fc-at").textContent()).toBe("@Alice");
  });

  it("/list and /help answer with their cards", async () => {
    await openChat(page, "#ops");
    await say(page, "/list");
    const list = cardUnder(page, "/list");
    await list.waitFor({ timeout: 10_000 });
    expect(await list.locator(".fc-title").textContent()).toBe("Tasks watched in this chat");
    await say(page, "/help");
    const help = cardUnder(page, "/help");
    await help.waitFor({ timeout: 10_000 });
    expect(await help.locator(".fc-title").textContent()).toBe("Drive task bot: help");
  });

  it("a reply in a thread goes to the thread, and the bot answers there", async () => {
    await openChat(page, "#ops");
    const root = page.locator(".group", { has: page.locator(".bubble", { hasText: "/help" }) }).first();
    await root.getByRole("button", { name: "Reply in thread" }).click();
    await page.locator("#thread-chip", { hasText: "Replying in thread" }).waitFor();
    await say(page, "/list in thread");
    const reply = root.locator(".thread .msg", { hasText: "/list in thread" });
    await reply.waitFor();
    await root
      .locator(".thread .fc-title", { hasText: "Tasks watched in this chat" })
      .last()
      .waitFor({ timeout: 10_000 });
    expect(await page.locator("#thread-chip").isHidden()).toBe(false);
    await page.getByRole("button", { name: "Stop replying in thread" }).click();
    expect(await page.locator("#thread-chip").isHidden()).toBe(true);
  });

  it("switches the cards' language, and the toasts follow it", async () => {
    await openChat(page, "Direct message");
    const id = await startTask(page, { operation: "move", outcome: "success", seconds: 600 });
    await say(page, id); // a bare id is enough in a direct message
    const card = cardUnder(page, id);
    await card.waitFor({ timeout: 10_000 });
    await page.getByRole("button", { name: "中文" }).click();
    await expect.poll(() => card.locator(".fc-header .fc-tag").textContent()).toBe("进行中");
    expect(await page.locator(".fc-title", { hasText: "云空间任务" }).count()).toBeGreaterThan(0);
    await card.getByRole("button", { name: "立即刷新" }).click();
    await toast("已刷新：进行中").waitFor();
    await page.getByRole("button", { name: "English" }).click();
    await expect.poll(() => card.locator(".fc-header .fc-tag").textContent()).toBe("Running");
  });

  it("the inspector lists every call and event with its JSON, filters them, and shows no secret", async () => {
    await openTab(page, "Inspector");
    const titles = async () => (await page.locator("#journal .entry summary").allTextContents()).join("\n");
    await expect.poll(titles).toContain("im.message.receive_v1");
    const all = await titles();
    for (const text of [
      "card.action.trigger",
      "/open-apis/drive/v1/files/task_check",
      "/reply",
      "PATCH /open-apis/im/v1/messages/",
    ]) {
      expect(all).toContain(text);
    }
    expect(all).toContain(transport === "webhook" ? "webhook · " : "long connection · ");
    await page.getByLabel("Filter").fill("task_check");
    await expect
      .poll(async () => (await titles()).split("\n").every((t) => t.includes("task_check")))
      .toBe(true);
    const entry = page.locator("#journal .entry").last();
    await entry.locator("summary").click();
    expect(await entry.locator("pre").first().textContent()).toContain("task_id");
    await page.getByLabel("Filter").fill("");
    const html = await page.content();
    const { appSecret, encryptKey, verificationToken } = stack.emu.options;
    for (const secret of [appSecret, encryptKey, verificationToken]) expect(html).not.toContain(secret);
    expect(html).not.toMatch(/t-emu-[0-9a-f]{8}/);
    expect(html).toContain("[redacted]");
  });

  it("a fault switched on (a muted group): the bot is refused; switched off, it answers again", async () => {
    await openTab(page, "Faults");
    await page.getByLabel(/#ops muted/).check();
    await openChat(page, "#ops");
    await say(page, "/help muted");
    await expect
      .poll(
        () =>
          stack.emu
            .requestsFor("reply")
            .some((r) => r.status === 400 && JSON.stringify(r.response).includes("230018")),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(await cardUnder(page, "/help muted").count()).toBe(0);
    await page.getByLabel(/#ops muted/).uncheck();
    await say(page, "/help again");
    await cardUnder(page, "/help again").waitFor({ timeout: 10_000 });
  });

  it("the bot's membership: removed from the topic group it gets nothing; added back it posts its welcome", async () => {
    await openChat(page, "#releases (topics)");
    await page.locator("#bot-membership", { hasText: "Remove" }).click();
    await page.locator("#bot-membership", { hasText: "Add to group" }).waitFor();
    await say(page, "/help nobody");
    await page.locator(".note", { hasText: "is not in this group" }).waitFor();
    await page.locator("#bot-membership").click();
    const welcome = page.locator(".topic .fc-title", { hasText: "Hello! I watch Drive folder tasks" });
    await welcome.waitFor({ timeout: 10_000 });
    await say(page, "/help");
    await page
      .locator(".topic", { has: page.locator(".bubble", { hasText: "/help" }) })
      .last()
      .locator(".thread .fc-card")
      .waitFor({ timeout: 10_000 });
  });

  it("fits a phone's width: nothing overflows sideways and the composer works", async () => {
    const phone = await browser.newPage({ width: 390, height: 844 });
    try {
      await phone.goto(stack.console.url);
      await phone.waitForSelector("body[data-ready]");
      await say(phone, "/help");
      await cardUnder(phone, "/help").waitFor({ timeout: 10_000 });
      const width = await phone.evaluate("document.documentElement.scrollWidth");
      expect(width).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });

  it("logged no console error and no failed request on the way", () => {
    expect(problems).toEqual([]);
  });
});
