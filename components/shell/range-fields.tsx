import { rangeParams, type TimeWindow } from "@/lib/time-range";

/** Hidden inputs that keep the page's window in a GET filter form (range=7d, or from/to). */
export function RangeFields({ window: w }: { window: TimeWindow }) {
  return (
    <>
      {rangeParams(w).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
    </>
  );
}
