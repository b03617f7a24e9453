import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { publicUrlIsHttps } from "@/lib/public-url";
import { safeCallbackPath } from "./callback-url";
import { oidcIssuer, oidcSignIn, userIdForOidcSubject, type OidcProfile, type OidcRefusal } from "./oidc-signin";
import { clientAddress } from "./client-address";
import { passwordSignIn } from "./password-signin";

// next-auth: email + password (bcrypt) and, when configured, one OpenID Connect provider for
// SSO. The session (a signed JWT cookie) only says who signed in; every page and route loads
// the user from the database (lib/auth/session.ts), so a role change or deactivation applies
// at once.

/** The login page's message for each refused SSO sign-in (app/login/page.tsx). */
const OIDC_ERRORS: Record<OidcRefusal, string> = {
  no_subject: "SsoRefused",
  email_unverified: "SsoEmailUnverified",
  not_invited: "NotInvited",
  deactivated: "NotInvited",
  subject_mismatch: "SsoAccountMismatch",
};

export function oidcConfigured(): boolean {
  const c = config();
  return Boolean(c.BLINDSPOT_OIDC_ISSUER && c.BLINDSPOT_OIDC_CLIENT_ID && c.BLINDSPOT_OIDC_CLIENT_SECRET);
}

export function oidcDisplayName(): string {
  return config().BLINDSPOT_OIDC_NAME ?? "Single sign-on";
}

export function authOptions(): NextAuthOptions {
  const c = config();
  const providers: NextAuthOptions["providers"] = [
    CredentialsProvider({
      id: "credentials",
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      // Errors thrown here reach the login form as `error=<message>` (app/login/login-form.tsx).
      async authorize(raw, req) {
        const address = clientAddress(req?.headers ?? {}, config().BLINDSPOT_TRUST_PROXY);
        const result = await passwordSignIn(raw, address);
        if (result.ok) return result.user;
        if (result.reason === "locked") throw new Error("TooManyAttempts");
        if (result.reason === "busy") throw new Error("SignInBusy");
        return null;
      },
    }),
  ];
  if (oidcConfigured()) {
    providers.push({
      id: "oidc",
      name: oidcDisplayName(),
      type: "oauth",
      wellKnown: `${c.BLINDSPOT_OIDC_ISSUER!.replace(/\/+$/, "")}/.well-known/openid-configuration`,
      clientId: c.BLINDSPOT_OIDC_CLIENT_ID,
      clientSecret: c.BLINDSPOT_OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid email profile" } },
      idToken: true,
      checks: ["pkce", "state"],
      profile(profile: { sub: string; email?: string; name?: string }) {
        return { id: profile.sub, email: profile.email?.toLowerCase() ?? null, name: profile.name ?? profile.email ?? profile.sub };
      },
    });
  }

  return {
    providers,
    secret: process.env.NEXTAUTH_SECRET,
    // Secure (and __Secure-/__Host- prefixed) cookies whenever browsers reach us over https, also
    // behind a TLS-terminating proxy; proxy.ts reads the session cookie with the same rule.
    useSecureCookies: publicUrlIsHttps(),
    session: { strategy: "jwt", maxAge: c.BLINDSPOT_SESSION_HOURS * 3600 },
    pages: { signIn: "/login", error: "/login" },
    callbacks: {
      // SSO only lets in people an admin has added: bound to the provider's subject at the first
      // sign-in (email verified by the provider), matched on that subject afterwards (lib/auth/oidc-signin).
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        const issuer = oidcIssuer();
        if (!issuer) return "/login?error=NotInvited";
        const result = await oidcSignIn((profile ?? {}) as OidcProfile, issuer);
        return result.ok ? true : `/login?error=${OIDC_ERRORS[result.reason]}`;
      },
      async jwt({ token, user, account }) {
        if (user) {
          // For SSO the provider's id (its subject) is not ours: the user bound to it is.
          const issuer = oidcIssuer();
          const uid = account?.provider === "oidc"
            ? (issuer ? await userIdForOidcSubject(issuer, account.providerAccountId) : null)
            : user.id;
          const row = uid ? await prisma().user.findUnique({ where: { id: uid }, select: { id: true, sessionVersion: true } }) : null;
          if (row) {
            token.uid = row.id;
            token.sv = row.sessionVersion;
          }
        }
        return token;
      },
      // Where next-auth sends the browser after signing in or out: only this app's own paths.
      async redirect({ url, baseUrl }) {
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
      async session({ session, token }) {
        return { ...session, uid: typeof token.uid === "string" ? token.uid : undefined, sv: typeof token.sv === "number" ? token.sv : 0 };
      },
    },
    logger: {
      // next-auth logs failed credential checks as errors; they are audit events, not faults.
      error: (code) => console.error(`[auth] ${code}`),
      warn: (code) => console.warn(`[auth] ${code}`),
      debug: () => undefined,
    },
  };
}
