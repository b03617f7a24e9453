/** The ids in a `?highlight=<id>[,<id>]` parameter (an alert's evidence), bounded, as a set. */
export function highlightIds(param: string | string[] | undefined): ReadonlySet<string> {
  const raw = Array.isArray(param) ? param.join(",") : (param ?? "");
  return new Set(raw.split(",").map((s) => s.trim()).filter((s) => s.length > 0 && s.length <= 200).slice(0, 200));
}
