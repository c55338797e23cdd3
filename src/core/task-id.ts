/**
 * A Drive task id as Feishu hands it out (the `task_id` of a folder move or delete): decimal digits, 19 of
 * them today (e.g. 7360595374803812356). The watch API accepts exactly this shape and a bare number in a DM
 * is read as `/status <number>` by the same rule; chat commands pass wider ids on to Feishu (handlers/parse.ts).
 */
export const DRIVE_TASK_ID_MIN_DIGITS = 6;
export const DRIVE_TASK_ID_MAX_DIGITS = 32;
export const DRIVE_TASK_ID = new RegExp(`^\\d{${DRIVE_TASK_ID_MIN_DIGITS},${DRIVE_TASK_ID_MAX_DIGITS}}$`);
