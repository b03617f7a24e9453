"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { DEFAULT_RANGE, RANGES } from "@/lib/time-range";

export function RangePicker() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const value = params.get("range") ?? DEFAULT_RANGE;
  return (
    <label className="flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400">
      Time range
      <select
        className="field py-1 text-xs"
        value={value}
        onChange={(e) => {
          const next = new URLSearchParams(params.toString());
          next.set("range", e.target.value);
          next.delete("cursor");
          router.push(`${pathname}?${next.toString()}`);
        }}
      >
        {RANGES.map((r) => (
          <option key={r.id} value={r.id}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
}
