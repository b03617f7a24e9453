"use client";

import { signIn } from "next-auth/react";
import { useState, type FormEvent } from "react";
import { safeCallbackPath } from "@/lib/auth/callback-url";
import { signinErrorMessage } from "./signin-errors";

// The server already checked callbackUrl; it is checked again against the origin the browser is
// really on, right where it is used.
const sameOrigin = (url: string) => safeCallbackPath(url, window.location.origin);

export function LoginForm({ callbackUrl, initialError, sso }: { callbackUrl: string; initialError: string | null; sso: string | null }) {
  const [error, setError] = useState<string | null>(initialError);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    const form = new FormData(e.currentTarget);
    const res = await signIn("credentials", {
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
      redirect: false,
      callbackUrl: sameOrigin(callbackUrl),
    });
    if (!res || res.error) {
      setPending(false);
      setError(signinErrorMessage(res?.error ?? "CredentialsSignin"));
      return;
    }
    window.location.assign(sameOrigin(callbackUrl));
  }

  return (
    <>
      <form className="mt-6 space-y-4" onSubmit={onSubmit}>
        <div>
          <label htmlFor="email" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
            Email
          </label>
          <input id="email" name="email" type="email" autoComplete="username" required className="field mt-1 w-full" />
        </div>
        <div>
          <label htmlFor="password" className="block text-xs font-medium text-slate-600 dark:text-slate-300">
            Password
          </label>
          <input id="password" name="password" type="password" autoComplete="current-password" required className="field mt-1 w-full" />
        </div>
        {error && (
          <p role="status" className="rounded-md bg-red-50 px-3 py-2 text-red-800 dark:bg-red-950 dark:text-red-300">
            {error}
          </p>
        )}
        <button type="submit" disabled={pending} className="btn-primary w-full">
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {sso && (
        <button type="button" className="btn-secondary mt-3 w-full" onClick={() => signIn("oidc", { callbackUrl: sameOrigin(callbackUrl) })}>
          Continue with {sso}
        </button>
      )}
    </>
  );
}
