"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { RANGE_PARAMS } from "@/lib/time-range";

const ITEMS = [
  { href: "/", label: "Home", match: [] as string[] },
  { href: "/alerts", label: "Alerts", match: ["/alerts"] },
  { href: "/explore", label: "Explore", match: ["/explore", "/prompts", "/sessions", "/traces"] },
  { href: "/inventory", label: "Inventory", match: ["/inventory"] },
  { href: "/approvals", label: "Approvals", match: ["/approvals"] },
  { href: "/rules", label: "Rules", match: ["/rules"] },
  { href: "/coverage", label: "Coverage", match: ["/coverage"] },
  { href: "/compliance", label: "Compliance activity", match: ["/compliance", "/people"] },
];

const ADMIN_ITEMS = [
  { href: "/settings", label: "Settings", match: ["/settings"] },
  { href: "/audit", label: "Audit log", match: ["/audit"] },
];

export function ConsoleNav({ isAdmin }: { isAdmin: boolean }) {
  const pathname = usePathname();
  const search = useSearchParams();
  // Links keep the URL's range (a preset or from/to); without one, the stored choice applies.
  const range = new URLSearchParams(RANGE_PARAMS.flatMap((k) => (search.get(k) ? [[k, search.get(k)!] as [string, string]] : []))).toString();
  const items = isAdmin ? [...ITEMS, ...ADMIN_ITEMS] : ITEMS;
  return (
    <nav aria-label="Main" className="flex flex-col gap-0.5 px-2">
      {items.map((item) => {
        const active = item.href === "/" ? pathname === "/" : item.match.some((m) => pathname === m || pathname.startsWith(`${m}/`));
        return (
          <Link
            key={item.href}
            href={range ? `${item.href}?${range}` : item.href}
            aria-current={active ? "page" : undefined}
            className={`rounded-md px-3 py-1.5 ${
              active
                ? "bg-sky-50 font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-200"
                : "text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800"
            }`}
          >
            {item.label}
          </Link>
        );
      })}
    </nav>
  );
}
