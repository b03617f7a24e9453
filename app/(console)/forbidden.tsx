import type { Metadata } from "next";
import { ProblemPage } from "@/components/shell/problem-page";
import { currentUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Forbidden · Blindspot" };

// 403 for a signed-in person whose role may not use the page (requireUser's roles/owner checks).
// An admin is only refused instance settings, which are the instance owner's.
export default async function Forbidden() {
  const user = await currentUser();
  const ownerOnly = user?.isAdmin ?? false;
  return (
    <ProblemPage
      status={403}
      tabTitle="Forbidden"
      title={ownerOnly ? "Instance owner only" : "Admins only"}
      links={[{ href: "/", label: "Home" }, { href: "/explore", label: "Explore events" }]}
    >
      <p>
        {ownerOnly
          ? "This page changes settings of the whole Blindspot instance; only the instance owner may open it."
          : "This page is for the tenant's admins (settings, users, tokens and the audit log)."}
        {user && <> You are signed in as <span className="font-medium">{user.email}</span> with the role <span className="font-medium">{user.role}</span>.</>}
      </p>
      <p className="text-xs">An admin can change your role in Settings → Users.</p>
    </ProblemPage>
  );
}
