import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { safeCallbackPath } from "./callback-url";
import { oidcIssuer, oidcSignIn, userIdForOidcSubject, type OidcProfile, type OidcRefusal } from "./oidc-signin";
import { verifyPassword } from "./passwords";

// next-auth: email + password (bcrypt) and, when configured, one OpenID Connect provider for
// SSO. The session (a signed JWT cookie) only says who signed in; every page and route loads
// the user from the database (lib/auth/session.ts), so a role change or deactivation applies
// at once.

const credentialsSchema = z.object({ email: z.string().trim().toLowerCase().email(), password: z.string().min(1).max(1024) });

// A bcrypt hash to compare against when the email is unknown, so timing does not reveal which
// accounts exist.
const DUMMY_HASH = "$2b$12$eDdsMSNS.FObJJLhQvBRReWBZGtK9sRToiuExg47fNLSFGFCbqeQq";

async function audit(actor: string, action: string, tenantId: string | null, details?: Record<string, string>) {
  await prisma().auditLog.create({ data: { actor, action, tenantId, details } });
}

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
      async authorize(raw) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const user = await prisma().user.findUnique({ where: { email: parsed.data.email } });
        const ok = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_HASH);
        if (!user || !ok || !user.passwordHash || user.deactivatedAt) {
          await audit(parsed.data.email, "signin.failed", user?.tenantId ?? null);
          return null;
        }
        await prisma().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
        await audit(user.email, "signin", user.tenantId, { method: "password" });
        return { id: user.id, email: user.email, name: user.name ?? user.email };
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
            : (await prisma().user.findUnique({ where: { id: user.id }, select: { id: true } }))?.id;
          if (uid) token.uid = uid;
        }
        return token;
      },
      // Where next-auth sends the browser after signing in or out: only this app's own paths.
      async redirect({ url, baseUrl }) {
        return `${baseUrl}${safeCallbackPath(url, baseUrl)}`;
      },
      async session({ session, token }) {
        return { ...session, uid: typeof token.uid === "string" ? token.uid : undefined };
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
