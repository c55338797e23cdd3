/** A person's moves on the console page, through its controls only (as they would click and type). */
import type { Locator, Page } from "playwright-core";

export async function openChat(page: Page, title: string): Promise<void> {
  await page.getByRole("navigation", { name: "Chats" }).getByRole("button", { name: title }).click();
  await page.locator("#chat-title", { hasText: title }).waitFor();
}

export async function openTab(page: Page, name: "Drive" | "Inspector" | "Faults"): Promise<void> {
  await page.getByRole("tab", { name }).click();
}

/** Starts a Drive task from the panel; returns its id as the panel shows it. */
export async function startTask(
  page: Page,
  opts: { operation: "move" | "delete"; outcome: "success" | "fail"; seconds: number },
): Promise<string> {
  await openTab(page, "Drive");
  const before = await page.locator("#tasks li").count();
  await page.getByLabel("Action").selectOption(opts.operation);
  await page.getByLabel("Outcome").selectOption(opts.outcome);
  await page.getByLabel("Duration (s)").fill(String(opts.seconds));
  await page.getByRole("button", { name: "Start task" }).click();
  await page.locator("#tasks li").nth(before).waitFor();
  const id = await page.locator("#tasks li").first().getAttribute("data-task-id");
  if (!id) throw new Error("the Drive panel shows no task id");
  return id;
}

/** Types into the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const box = page.getByLabel(/^Message /);
  await box.fill(text);
  await box.press("Enter");
}

/** The bot's card that answers the message saying `text` (in the thread under it). */
export function cardUnder(page: Page, text: string): Locator {
  return page
    .locator(".group, .topic")
    .filter({ has: page.locator(".bubble", { hasText: text }) })
    .last()
    .locator(".thread .fc-card")
    .first();
}
