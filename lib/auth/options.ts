import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { z } from "zod";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";
import { safeCallbackPath } from "./callback-url";
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
      // SSO only lets in people an admin has added (matched by verified email).
      async signIn({ user, account }) {
        if (account?.provider !== "oidc") return true;
        const email = user.email?.toLowerCase();
        const known = email ? await prisma().user.findUnique({ where: { email } }) : null;
        if (!known || known.deactivatedAt) {
          await audit(email ?? "unknown", "signin.failed", known?.tenantId ?? null, { method: "oidc" });
          return "/login?error=NotInvited";
        }
        await prisma().user.update({ where: { id: known.id }, data: { lastLoginAt: new Date() } });
        await audit(known.email, "signin", known.tenantId, { method: "oidc" });
        return true;
      },
      async jwt({ token, user, account }) {
        if (user) {
          // For SSO the provider's id is not ours: look the person up by email.
          const row = account?.provider === "oidc" && user.email
            ? await prisma().user.findUnique({ where: { email: user.email.toLowerCase() } })
            : await prisma().user.findUnique({ where: { id: user.id } });
          if (row) token.uid = row.id;
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
