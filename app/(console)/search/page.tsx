import Link from "next/link";
import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { exploreHref } from "@/lib/explore/url";
import { resolveSearch } from "@/lib/queries/search";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Search") };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A prompt/session/account UUID, a trace id, a tool_use_id or a tagged account id. */
function looksLikeId(q: string): boolean {
  return UUID.test(q) || /^[0-9a-f]{32}$/i.test(q) || /^(srv)?toolu_\w+$/.test(q) || /^user_\w+$/.test(q);
}

export default async function SearchPage({ searchParams }: { searchParams: Promise<{ q?: string }> }) {
  const user = await requireUser();
  const q = ((await searchParams).q ?? "").slice(0, 512);
  const targets = await resolveSearch(user.tenantId, q);
  if (targets.length === 1) redirect(targets[0].href);
  // Not an id of this tenant: text or a query, which the Explorer answers. An id-shaped value that
  // names nothing stays here, so the answer says so instead of an empty event list.
  if (targets.length === 0 && q.trim() !== "" && !looksLikeId(q.trim())) redirect(exploreHref(new URLSearchParams({ q: q.trim() })));
  return (
    <div className="mx-auto max-w-3xl">
      <h1 className="text-lg font-semibold">Search</h1>
      {targets.length === 0 ? (
        <div className="mt-3 rounded-md border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <p>
            Nothing in tenant <span className="font-medium">{user.tenantSlug}</span> matches <code className="font-mono">{q || "(empty)"}</code>.
          </p>
          <p className="mt-2 text-slate-500 dark:text-slate-400">
            The search box takes a prompt id, session id, trace id (32 hex characters), tool_use_id (toolu_…), user email, tagged account id (user_…),
            account UUID or device id. To look for text or filter by tool, use <Link className="link" href="/explore">Explore</Link>.
          </p>
        </div>
      ) : (
        <ul className="mt-3 space-y-2">
          {targets.map((t) => (
            <li key={t.href}>
              <Link className="link" href={t.href}>
                {t.label}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
