"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const TABS = [
  { href: "/settings/setup", label: "Client setup" },
  { href: "/settings/tokens", label: "Ingest tokens" },
  { href: "/settings/api-tokens", label: "API tokens" },
  { href: "/settings/users", label: "Users" },
  { href: "/settings/compliance", label: "Compliance API" },
  { href: "/settings/alerts-delivery", label: "Alerts delivery" },
  { href: "/settings/data", label: "Data" },
  { href: "/settings/retention", label: "Data retention" },
];
/** Instance settings: owners only. */
const OWNER_TABS = [{ href: "/settings/receiver", label: "Receiver" }];

export function SettingsNav({ isOwner }: { isOwner: boolean }) {
  const pathname = usePathname();
  const tabs = isOwner ? [...TABS, ...OWNER_TABS] : TABS;
  return (
    <nav aria-label="Settings" className="mt-4 flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-800">
      {tabs.map((t) => {
        const active = pathname === t.href || pathname.startsWith(`${t.href}/`);
        return (
          <Link
            key={t.href}
            href={t.href}
            aria-current={active ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-xs font-medium ${
              active ? "border-sky-600 text-sky-800 dark:text-sky-300" : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-300 dark:hover:text-slate-100"
            }`}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
