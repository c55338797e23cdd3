/**
 * The Feishu client's card colours, light mode (cards-v2-rendering.md §2.1–2.4; the client's palette, taken
 * from Lark's open-sourced client: [SRC] in the reference, not a documented contract).
 */

/** `header.template` → background and title colour (§2.1). `default`: the card surface. */
export const HEADER_COLORS: Readonly<Record<string, { background: string; title: string }>> = {
  blue: { background: "#E0E9FF", title: "#1456F0" },
  wathet: { background: "#CAEFFC", title: "#076A94" },
  turquoise: { background: "#C4F2EC", title: "#067062" },
  green: { background: "#D0F5CE", title: "#1A7526" },
  lime: { background: "#E3F0A3", title: "#5C6D08" },
  yellow: { background: "#FAEDC2", title: "#AD7A03" },
  orange: { background: "#FEE7CD", title: "#C25705" },
  red: { background: "#FEE3E2", title: "#C02A26" },
  carmine: { background: "#FEE2F2", title: "#B82879" },
  violet: { background: "#F9E2F9", title: "#A630A6" },
  purple: { background: "#EFE6FE", title: "#7A35F0" },
  indigo: { background: "#E9EAFB", title: "#4752E6" },
  grey: { background: "#8F959E", title: "#FFFFFF" },
  default: { background: "transparent", title: "#1F2329" },
};

/** Header aliases the client accepts (§2 [SRC]). */
const TEMPLATE_ALIASES: Readonly<Record<string, string>> = { neutral: "grey", gray: "grey" };

export function headerColors(template: unknown): { background: string; title: string; name: string } {
  const raw = typeof template === "string" ? template : "default";
  const name = TEMPLATE_ALIASES[raw] ?? (raw in HEADER_COLORS ? raw : "default");
  return { ...(HEADER_COLORS[name] ?? HEADER_COLORS.default), name };
}

/** `text_tag` colours: background and text (§2.2); unknown names fall back to `blue`, the documented default. */
export const TAG_COLORS: Readonly<Record<string, { background: string; text: string }>> = {
  neutral: { background: "rgba(31,35,41,.10)", text: "#646A73" },
  blue: { background: "rgba(20,86,240,.20)", text: "#1456F0" },
  wathet: { background: "rgba(62,195,247,.20)", text: "#076A94" },
  turquoise: { background: "rgba(51,214,192,.20)", text: "#067062" },
  green: { background: "rgba(53,189,75,.20)", text: "#1A7526" },
  lime: { background: "rgba(145,173,0,.20)", text: "#5C6D08" },
  yellow: { background: "rgba(250,211,85,.20)", text: "#AD7A03" },
  orange: { background: "rgba(255,129,26,.15)", text: "#C25705" },
  red: { background: "rgba(245,74,69,.20)", text: "#C02A26" },
  carmine: { background: "rgba(204,57,140,.20)", text: "#B82879" },
  violet: { background: "rgba(191,61,191,.20)", text: "#A630A6" },
  purple: { background: "rgba(141,85,237,.20)", text: "#7A35F0" },
  indigo: { background: "rgba(91,101,245,.20)", text: "#4752E6" },
};

export function tagColors(color: unknown): { background: string; text: string } {
  const name = typeof color === "string" && color in TAG_COLORS ? color : "blue";
  return TAG_COLORS[name] ?? { background: "rgba(20,86,240,.20)", text: "#1456F0" };
}

/**
 * Bare colour names of the colour enum (§2.4; bare = `-600`). Hex values the reference gives; yellow,
 * sunflower and orange are the client's `-500` text colours (their `-600` is not in the reference [?]).
 * `grey` in markdown `<font>` is N600 (§2.3).
 */
const COLOR_ENUM: Readonly<Record<string, string>> = {
  blue: "#1456F0",
  wathet: "#076A94",
  turquoise: "#067062",
  green: "#1A7526",
  lime: "#5C6D08",
  yellow: "#AD7A03",
  sunflower: "#AD7A03",
  orange: "#C25705",
  red: "#C02A26",
  carmine: "#B82879",
  violet: "#A630A6",
  purple: "#7A35F0",
  indigo: "#4752E6",
  grey: "#646A73",
  white: "#FFFFFF",
  "bg-white": "#FFFFFF",
  default: "#1F2329",
};

/** The text body colour (`text-title`, N900). */
export const TEXT_COLOR = "#1F2329";

/**
 * A colour enum name (a `-NNN` suffix is read as its hue), `#hex`, or `rgb()/rgba()` of numbers; anything
 * else → undefined (the caller keeps its default).
 */
export function enumColor(raw: unknown): string | undefined {
  if (typeof raw !== "string") return undefined;
  const value = raw.trim().toLowerCase();
  if (/^#[0-9a-f]{3,8}$/.test(value)) return value;
  if (/^rgba?\(\s*[\d.]+\s*,\s*[\d.]+\s*,\s*[\d.]+\s*(,\s*[\d.]+\s*)?\)$/.test(value)) return value;
  const hue = value.replace(/-\d{2,4}$/, "");
  return COLOR_ENUM[value] ?? COLOR_ENUM[hue];
}

/** `background_style` of columns and containers: `grey` is the float-overlay N50 (§2.3), else the enum. */
export function backgroundColor(raw: unknown): string | undefined {
  if (raw === "grey" || raw === "grey-50") return "#F5F6F7";
  if (raw === "default" || raw === undefined) return undefined;
  return enumColor(raw);
}
