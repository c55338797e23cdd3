/**
 * Moves a Drive folder with the official SDK, then asks the task-status bot to watch the move: the bot posts a
 * live card in a chat (or a DM) and one notice when the move ends. Optionally waits for the end itself.
 *
 *   FEISHU_APP_ID=cli_... FEISHU_APP_SECRET=... BOT_URL=https://bot.example.com API_TOKEN=... \
 *   FOLDER_TOKEN=fldcn... TARGET_FOLDER_TOKEN=fldcn... CHAT_ID=oc_... \
 *   npx tsx examples/move-and-watch.ts [--wait]
 *
 * Also: OPEN_ID=ou_... instead of CHAT_ID (a DM), MENTION_OPEN_ID=ou_... (whom the notice @-mentions in a
 * group), NOTE="..." (a line on the card), FEISHU_DOMAIN (feishu, lark or a base URL). The app moving the folder
 * needs the Drive scope and access to both folders; it may be the bot's own app or another one.
 */
import * as lark from "@larksuiteoapi/node-sdk";

export interface MoveAndWatch {
  client: lark.Client;
  /** The folder to move, and where to. */
  folderToken: string;
  targetFolderToken: string;
  /** The bot's base URL and one of its API_TOKENS. */
  botUrl: string;
  apiToken: string;
  /** Exactly one: the chat that gets the card, or the user who gets it as a DM. */
  chatId?: string;
  openId?: string;
  mentionOpenId?: string;
  note?: string;
}

/** What the bot answers about a watch (see GET /api/v1/openapi.json for every field). */
export interface WatchAnswer {
  watch_id: string;
  task_id: string;
  state: "running" | "success" | "fail" | "stopped" | "timed_out" | "not_found";
  end_reason: string | null;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the move (Drive answers at once with a task id), then registers that task with the bot. */
export async function moveAndWatch(options: MoveAndWatch): Promise<WatchAnswer> {
  const moved = await options.client.drive.v1.file.move({
    path: { file_token: options.folderToken },
    data: { type: "folder", folder_token: options.targetFolderToken },
  });
  const taskId = moved.data?.task_id;
  if (moved.code !== 0 || !taskId) throw new Error(`Drive refused the move: ${moved.code} ${moved.msg}`);
  return registerWatch(options, taskId);
}

/** Asks the bot to watch a task; safe to repeat (a retried step gets the same watch, and no second card). */
export function registerWatch(
  options: Omit<MoveAndWatch, "client" | "folderToken" | "targetFolderToken">,
  taskId: string,
): Promise<WatchAnswer> {
  const body = {
    task_id: taskId,
    ...(options.chatId ? { chat_id: options.chatId } : { open_id: options.openId }),
    ...(options.mentionOpenId ? { mention_open_id: options.mentionOpenId } : {}),
    ...(options.note ? { note: options.note } : {}),
  };
  // The task id makes a good Idempotency-Key: retrying after a lost answer never posts a second card.
  return callBot(options, "POST", "/api/v1/watches", body, `move-${taskId}`);
}

/** Polls the bot (well under its rate limit) until the watch has ended; returns its final answer. */
export async function waitForEnd(
  bot: Pick<MoveAndWatch, "botUrl" | "apiToken">,
  watchId: string,
  intervalMs = 5000,
): Promise<WatchAnswer> {
  for (;;) {
    const watch = await callBot(bot, "GET", `/api/v1/watches/${watchId}`);
    if (watch.state !== "running") return watch;
    await sleep(intervalMs);
  }
}

/** One API call, retried on 429 (after Retry-After), 5xx and network errors, with the same Idempotency-Key. */
async function callBot(
  bot: Pick<MoveAndWatch, "botUrl" | "apiToken">,
  method: string,
  path: string,
  body?: unknown,
  idempotencyKey?: string,
): Promise<WatchAnswer> {
  const headers: Record<string, string> = { authorization: `Bearer ${bot.apiToken}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${bot.botUrl.replace(/\/+$/, "")}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: unknown) => error as Error);
    const retryable = res instanceof Error || res.status === 429 || res.status >= 500;
    if (!retryable) {
      const answer = (await res.json()) as WatchAnswer & { error?: { code: string; message: string } };
      if (!res.ok)
        throw new Error(`the bot answered ${res.status}: ${answer.error?.code} ${answer.error?.message}`);
      return answer;
    }
    if (attempt >= 5)
      throw new Error(`the bot is not answering: ${res instanceof Error ? res.message : res.status}`);
    const retryAfter = res instanceof Error ? Number.NaN : Number(res.headers.get("retry-after"));
    await sleep(Number.isFinite(retryAfter) ? retryAfter * 1000 : 500 * 2 ** attempt);
  }
}

async function main(): Promise<number> {
  const env = (name: string, required = true): string => {
    const value = process.env[name] ?? "";
    if (!value && required)
      throw new Error(`${name} is required (see the top of examples/move-and-watch.ts)`);
    return value;
  };
  const options: MoveAndWatch = {
    client: new lark.Client({
      appId: env("FEISHU_APP_ID"),
      appSecret: env("FEISHU_APP_SECRET"),
      domain: env("FEISHU_DOMAIN", false) || lark.Domain.Feishu,
      loggerLevel: lark.LoggerLevel.warn,
    }),
    folderToken: env("FOLDER_TOKEN"),
    targetFolderToken: env("TARGET_FOLDER_TOKEN"),
    botUrl: env("BOT_URL"),
    apiToken: env("API_TOKEN"),
    chatId: env("CHAT_ID", false) || undefined,
    openId: env("OPEN_ID", false) || undefined,
    mentionOpenId: env("MENTION_OPEN_ID", false) || undefined,
    note: env("NOTE", false) || undefined,
  };
  const watch = await moveAndWatch(options);
  console.log(`moving: task ${watch.task_id}, watch ${watch.watch_id} (${watch.state})`);
  if (!process.argv.includes("--wait")) return 0;
  const end = await waitForEnd(options, watch.watch_id);
  console.log(`task ${end.task_id}: ${end.state}${end.end_reason ? ` (${end.end_reason})` : ""}`);
  return end.state === "success" ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
