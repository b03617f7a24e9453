import Link from "next/link";
import type { ReactNode } from "react";
import { headers } from "next/headers";
import { DocumentTitle } from "@/components/shell/document-title";
import { currentUser } from "@/lib/auth/session";
import { pageTitle } from "@/lib/presentation/page-title";

// The console's 403 and 404 pages: what happened, in words, and where to go instead. Rendered
// inside the console shell by forbidden.tsx and the not-found.tsx of each segment.

export function ProblemPage({ status, title, tabTitle, children, links }: {
  status: 403 | 404;
  title: string;
  /** The browser tab's title ("Prompt not found"). */
  tabTitle: string;
  children?: ReactNode;
  links: { href: string; label: string }[];
}) {
  return (
    <section className="mx-auto mt-10 max-w-xl rounded-lg border border-slate-200 bg-white p-6 shadow-sm dark:border-slate-800 dark:bg-slate-900" aria-labelledby="problem-title">
      <DocumentTitle title={pageTitle(tabTitle)} />
      <p className="font-mono text-xs font-semibold text-slate-500 dark:text-slate-400">{status} · {status === 403 ? "Forbidden" : "Not found"}</p>
      <h1 id="problem-title" className="mt-1 text-lg font-semibold tracking-tight">{title}</h1>
      {children && <div className="mt-2 space-y-2 text-slate-600 dark:text-slate-300">{children}</div>}
      <ul className="mt-4 flex flex-wrap gap-2">
        {links.map((l, i) => (
          <li key={l.href}>
            <Link href={l.href} className={i === 0 ? "btn-primary" : "btn-secondary"}>{l.label}</Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

const MAX_SHOWN = 80;

/**
 * The id the visitor asked for: the last segment of the requested path (proxy.ts passes the path
 * on every request, page loads and client navigations alike), decoded, shortened for display.
 */
export async function requestedId(): Promise<string | null> {
  const path = ((await headers()).get("x-blindspot-path") ?? "").split("?")[0];
  const last = path.split("/").filter(Boolean).pop();
  if (!last) return null;
  let id: string;
  try {
    id = decodeURIComponent(last);
  } catch {
    id = last;
  }
  // Control characters (a %00 in a probed URL) are not shown.
  id = id.replace(/[\u0000-\u001f\u007f]/g, "");
  return id.length > MAX_SHOWN ? `${id.slice(0, MAX_SHOWN)}…` : id;
}

/** A 404 for a record that is not in the tenant being viewed: names the kind and the id asked for. */
export async function MissingRecord({ kind, why, links }: {
  /** "prompt", "session", "trace", … */
  kind: string;
  /** Why it may be missing, for this kind of record. */
  why: string;
  links: { href: string; label: string }[];
}) {
  const [id, user] = await Promise.all([requestedId(), currentUser()]);
  return (
    <ProblemPage status={404} title={`No ${kind} with this id in this tenant`} tabTitle={`${kind[0].toUpperCase()}${kind.slice(1)} not found`} links={links}>
      <p>
        {id ? <>The {kind} <code className="break-all font-mono text-xs text-slate-800 dark:text-slate-100">{id}</code> is not</> : <>This {kind} is not</>}
        {" "}among the records of tenant <span className="font-medium">{user?.tenantSlug ?? "–"}</span>.
      </p>
      <p className="text-xs">{why}</p>
    </ProblemPage>
  );
}
