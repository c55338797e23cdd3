import type { FeishuApi } from "./core/feishu-api";
import type { FeishuClient } from "./feishu/client";
import { classify } from "./feishu/errors";
import type { Logger } from "./logger";
import { sleep } from "./sleep";
import { backoffMs } from "./watch/policy";

/**
 * The bot's open_id in each tenant tells mentions of the bot from mentions of others. A store app's bot may
 * have another open_id in each tenant (Feishu does not say), so it is learnt per tenant and kept.
 */
export class BotIdentity {
  private readonly asked = new Map<string, Promise<string>>();
  private readonly learnt = new Map<string, string>();

  constructor(
    private readonly feishu: Pick<FeishuApi, "botOpenId">,
    private readonly logger: Logger,
  ) {}

  /** The open_id in this tenant, asked once (a failed lookup is asked again next time). */
  of(tenantKey: string): Promise<string> {
    let id = this.asked.get(tenantKey);
    if (!id) {
      id = this.feishu.botOpenId(tenantKey);
      this.asked.set(tenantKey, id);
      id.then(
        (openId) => this.learnt.set(tenantKey, openId),
        () => this.asked.delete(tenantKey),
      );
    }
    return id;
  }

  /** The open_id in this tenant if it is known already (nothing is asked: for the event hot path). */
  known(tenantKey: string): string | undefined {
    return this.learnt.get(tenantKey);
  }

  /** At start-up: retries a while, then says what to fix. */
  async learn(tenantKey: string): Promise<string> {
    const attempts = 6;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.of(tenantKey);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        // Wrong credentials or a missing capability will not mend themselves: say so at once.
        if (attempt >= attempts || classify(error) === "permanent") {
          throw new Error(
            `could not read the bot's identity from Feishu (GET /open-apis/bot/v3/info): ${reason}. ` +
              "Check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN, and that the app has the bot capability enabled.",
          );
        }
        this.logger.warn("bot info not available yet; retrying", { attempt, reason });
        await sleep(backoffMs(attempt, 1));
      }
    }
  }
}

/** Store apps: asks Feishu to push an app_ticket; refused credentials stop the start with what to fix. */
export async function askForTicket(
  client: Pick<FeishuClient, "resendAppTicket">,
  logger: Logger,
): Promise<void> {
  try {
    await client.resendAppTicket();
    logger.info("no app_ticket stored yet: asked Feishu to push one (it arrives at /webhook/event)");
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (classify(error) === "permanent") {
      throw new Error(
        `Feishu refused to push an app_ticket (POST /open-apis/auth/v3/app_ticket/resend): ${reason}. ` +
          "Check FEISHU_APP_ID and FEISHU_APP_SECRET, and that the app is a store app (FEISHU_APP_TYPE=store).",
      );
    }
    logger.warn("could not ask Feishu for an app_ticket yet; the SDK asks again when it needs one", {
      reason,
    });
  }
}
