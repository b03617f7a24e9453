import { PasswordForm } from "@/components/account/password-form";
import { Card } from "@/components/ui/card";
import { requireUser } from "@/lib/auth/session";
import { hasPassword } from "@/lib/auth/users";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Account") };

// Every signed-in person: who they are here, and their password.
export default async function AccountPage() {
  const user = await requireUser();
  const passwordSet = await hasPassword(user.id);
  return (
    <div className="mx-auto max-w-3xl space-y-4">
      <h1 className="text-lg font-semibold tracking-tight">Account</h1>
      <Card title="You">
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
          <dt className="text-slate-500">Email</dt>
          <dd>{user.email}</dd>
          <dt className="text-slate-500">Role</dt>
          <dd>{user.isOwner ? "owner (admin of every tenant and of instance settings)" : user.role}</dd>
        </dl>
      </Card>
      <Card title="Password">
        {passwordSet ? (
          <>
            <p className="mb-3 text-xs text-slate-600 dark:text-slate-300">Changing it ends your sessions in other browsers; this one continues.</p>
            <PasswordForm />
          </>
        ) : (
          <p className="text-xs text-slate-600 dark:text-slate-300">You sign in with single sign-on; this account has no password here.</p>
        )}
      </Card>
    </div>
  );
}
