import type { ReactNode } from "react";
import { ConsoleNav } from "@/components/shell/console-nav";
import { KeyboardShortcuts } from "@/components/shell/keyboard-shortcuts";
import { NavigationProgress } from "@/components/shell/navigation-progress";
import { RangePicker } from "@/components/shell/range-picker";
import { SearchBox } from "@/components/shell/search-box";
import { TenantPicker } from "@/components/shell/tenant-picker";
import { UserMenu } from "@/components/shell/user-menu";
import type { ConsoleUser } from "@/lib/auth/session";
import { stickyRange } from "@/lib/console-range";
import { prisma } from "@/lib/db/prisma";

// The signed-in console's frame: navigation on the left, search and pickers on top. Used by the
// (console) layout and by the front page when someone is signed in.
export async function ConsoleShell({ user, children }: { user: ConsoleUser; children: ReactNode }) {
  const [tenants, sticky] = await Promise.all([
    user.isOwner
      ? prisma().tenant.findMany({ select: { id: true, slug: true, name: true }, orderBy: { slug: "asc" } })
      : [{ id: user.tenantId, slug: user.tenantSlug, name: user.tenantSlug }],
    stickyRange(),
  ]);
  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only rounded-md bg-white px-3 py-2 font-medium text-sky-800 shadow focus:not-sr-only focus:fixed focus:left-2 focus:top-2 focus:z-50 dark:bg-slate-900 dark:text-sky-200"
      >
        Skip to content
      </a>
      <NavigationProgress />
      <KeyboardShortcuts />
      <aside className="hidden w-52 shrink-0 flex-col border-r border-slate-200 bg-white md:flex dark:border-slate-800 dark:bg-slate-900">
        <a href="/" className="flex items-center gap-2 px-4 py-4 text-base font-semibold tracking-tight">
          <img src="/icon.svg" alt="" width={20} height={20} />
          Blindspot
        </a>
        <ConsoleNav isAdmin={user.isAdmin} />
      </aside>
      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-20 flex flex-wrap items-center gap-3 border-b border-slate-200 bg-white/95 px-4 py-2 backdrop-blur dark:border-slate-800 dark:bg-slate-900/95">
          <SearchBox />
          <div className="ml-auto flex flex-wrap items-center gap-3">
            <TenantPicker tenants={tenants} current={user.tenantId} canSwitch={user.isOwner} />
            <RangePicker sticky={sticky} />
            <UserMenu name={user.name} role={user.isOwner ? "owner" : user.role} />
          </div>
        </header>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-6 py-5 outline-none">{children}</main>
      </div>
    </div>
  );
}
