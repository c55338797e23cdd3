import type { AuthorizeLink } from "../../cards/types";
import type { FeishuApi } from "../core/feishu-api";
import type { Watch } from "../core/watch";
import { classify, type FailureKind, type FeishuApiError } from "../feishu/errors";
import type { Logger } from "../logger";
import type { Metrics } from "../metrics";
import { LeaseLostError } from "../store/roles";
import { asFeishuError } from "./messages";
import { stateOf } from "./policy";

/**
 * What a check of a task found: its status; a failure (classified once, errors.ts); or, checked as a person,
 * that their identity is over (no token, or Feishu refused it for good).
 */
export type Check =
  | { ok: true; status: string }
  | { ok: false; error: FeishuApiError; kind: FailureKind }
  | { ok: false; identityGone: true };

/** What checks as a person need (auth/identities.ts Identities); absent when user authorization is off. */
export interface PersonIdentities {
  accessToken(tenantKey: string, openId: string): Promise<string | undefined>;
  failed(tenantKey: string, openId: string, error: FeishuApiError): Promise<"retry" | "expired" | "dead">;
  link(
    tenantKey: string,
    openId: string,
    watchId: number | null,
    until: number,
    again?: boolean,
  ): AuthorizeLink;
}

/**
 * task_check, as the app or as a person (user authorization: with their own token, refreshed when due). A token
 * Feishu calls expired is refreshed and the check tried once more; one it refuses for good ends the identity.
 */
export class TaskChecks {
  constructor(
    private readonly options: {
      feishu: FeishuApi;
      metrics: Metrics;
      logger: Logger;
      identities?: PersonIdentities;
    },
  ) {}

  /** As the watch's person when it has one (and user authorization is on), else as the app. */
  check(w: Watch, notAfter?: number): Promise<Check> {
    return w.asUser && this.options.identities
      ? this.asPerson(w, w.asUser, undefined, notAfter)
      : this.asApp(w, notAfter);
  }

  /** `notAfter`: see FeishuApi.taskCheck; a turn too late throws LeaseLostError (nothing was checked). */
  async asApp(w: Watch, notAfter?: number): Promise<Check> {
    try {
      return this.seen(await this.options.feishu.taskCheck(w.tenantKey, w.taskId, undefined, notAfter));
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      return this.failure(w, error);
    }
  }

  /** As `openId`, with `token` when the caller already has it. */
  async asPerson(w: Watch, openId: string, token?: string, notAfter?: number): Promise<Check> {
    const identities = this.options.identities;
    if (!identities) return this.asApp(w);
    for (let attempt = 1; ; attempt++) {
      let access = token;
      token = undefined;
      try {
        access ??= await identities.accessToken(w.tenantKey, openId);
      } catch (error) {
        return this.failure(w, error); // Feishu could not refresh it just now: retried later
      }
      if (!access) return { ok: false, identityGone: true };
      try {
        return this.seen(await this.options.feishu.taskCheck(w.tenantKey, w.taskId, access, notAfter));
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        const e = asFeishuError("task_check", error);
        const kind = classify(e);
        if (
          kind === "task_not_found" ||
          kind === "task_invalid" ||
          kind === "rate_limited" ||
          kind === "transient"
        ) {
          return this.failure(w, e);
        }
        const identity = await identities.failed(w.tenantKey, openId, e);
        if (identity === "dead") return { ok: false, identityGone: true };
        if (identity !== "expired" || attempt >= 2) return this.failure(w, e);
      }
    }
  }

  private seen(status: string): Check {
    this.options.metrics.taskChecks.inc({ result: stateOf(status) === "unknown" ? "unknown" : status });
    return { ok: true, status };
  }

  /** A failure of a check (or of getting the token for one), classified and logged. */
  failure(w: Watch, error: unknown): Check {
    const e = asFeishuError("task_check", error);
    const kind = classify(e);
    this.options.metrics.taskChecks.inc({ result: kind });
    this.options.logger.warn("task_check failed", {
      task_id: w.taskId,
      kind,
      code: e.code,
      http_status: e.httpStatus,
      ...(w.asUser ? { as: "person" } : {}),
    });
    return { ok: false, error: e, kind };
  }
}
