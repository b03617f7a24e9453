import { cookies } from "next/headers";
import { hasRange, parseStoredRange, timeWindow, type RangeInput, type TimeWindow } from "@/lib/time-range";

// The range sticks: the one a person chose last (picker, "show the last 30 days") is kept in a
// cookie and applies to every console page whose URL names none. A range in the URL wins, so
// links and bookmarks still mean what they say.

export const RANGE_COOKIE = "bs_range";

/** The stored range as URL parameters (`range=30d`), or null when none was chosen. */
export async function stickyRange(): Promise<string | null> {
  const stored = parseStoredRange((await cookies()).get(RANGE_COOKIE)?.value);
  return stored ? new URLSearchParams(Object.entries(stored).filter((e): e is [string, string] => typeof e[1] === "string")).toString() : null;
}

/** The window a console page shows: the URL's range, else the chosen one, else the default. */
export async function consoleWindow(params: RangeInput, now = new Date()): Promise<TimeWindow> {
  if (hasRange(params)) return timeWindow(params, now);
  const stored = parseStoredRange((await cookies()).get(RANGE_COOKIE)?.value);
  return timeWindow(stored ?? {}, now);
}
