import { RangeButton } from "@/components/shell/range-picker";
import { emptyWindow, newestRecord, type RecordKind } from "@/lib/queries/newest";
import { ageText, formatBound, RANGES, smallestPresetHolding, windowPhrase, type TimeWindow } from "@/lib/time-range";

// Shown on every page that takes a range: why the requested range was not usable, and, when the
// range holds nothing but the tenant has data elsewhere, one click to the range that holds it
// ("Newest event: 12 days ago — show the last 30 days").

const NOUN: Record<RecordKind, string> = { events: "event", spans: "trace span", compliance: "Compliance activity" };

export async function RangeHint({ tenantId, window: w, kinds, now = new Date() }: { tenantId: string; window: TimeWindow; kinds?: readonly RecordKind[]; now?: Date }) {
  const newest = w.from ? await newestRecord(tenantId, { kinds, before: w.to }) : null;
  const empty = newest !== null && emptyWindow(newest, w.from);
  if (!w.error && !empty) return null;
  const offer = newest?.newest ? smallestPresetHolding(newest.newest, now) : null;
  const offerLabel = RANGES.find((r) => r.id === offer)?.label.toLowerCase();
  const noun = kinds?.length === 1 ? NOUN[kinds[0]] : "event";
  return (
    <div role="status" data-testid="range-hint" className="mb-3 space-y-1 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100">
      {w.error && <p>{w.error}</p>}
      {empty && newest?.newest && offer && (
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <p>
            Nothing in {windowPhrase(w)}.{" "}
            <span className="font-medium">
              Newest {noun}: {ageText(newest.newest, now)}
            </span>{" "}
            <span className="text-amber-800 dark:text-amber-300">({formatBound(newest.newest)})</span>
          </p>
          <RangeButton range={offer}>{offer === "all" ? "Show all time" : `Show the ${offerLabel}`}</RangeButton>
        </div>
      )}
    </div>
  );
}
