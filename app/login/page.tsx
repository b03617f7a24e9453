import { redirect } from "next/navigation";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { oidcConfigured, oidcDisplayName } from "@/lib/auth/options";
import { currentUser } from "@/lib/auth/session";
import { appOrigin } from "@/lib/config";
import { LoginForm } from "./login-form";
import { signinErrorMessage } from "./signin-errors";
import { pageTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export const metadata = { title: pageTitle("Sign in") };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ callbackUrl?: string; error?: string }> }) {
  const params = await searchParams;
  // Only paths on this app: anything else (another origin, "/\\evil.tld", "/%09/evil.tld") goes to "/".
  const callbackUrl = params.callbackUrl ? safeCallbackPath(params.callbackUrl, appOrigin()) : "/";
  if (await currentUser()) redirect(callbackUrl);
  const error = params.error ? signinErrorMessage(params.error) : null;
  return (
    <main className="flex min-h-screen items-center justify-center px-4">
      <div className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-8 shadow-sm dark:border-slate-800 dark:bg-slate-900">
        <h1 className="text-xl font-semibold tracking-tight">Sign in to Blindspot</h1>
        <p className="mt-1 text-slate-500 dark:text-slate-400">Investigate what Claude did.</p>
        <LoginForm callbackUrl={callbackUrl} initialError={error} sso={oidcConfigured() ? oidcDisplayName() : null} />
      </div>
    </main>
  );
}
