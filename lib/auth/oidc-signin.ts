import { recordAudit } from "@/lib/audit";
import { config } from "@/lib/config";
import { prisma } from "@/lib/db/prisma";

// Who an OpenID Connect sign-in is. The email claim alone proves nothing: many providers let a
// person set any address, unverified, or hand a recycled address to someone new. So:
//  - a user already bound to this issuer's subject (`sub`, stable and never reassigned) is that user;
//  - otherwise the provider must assert email_verified === true, the email must belong to a user an
//    admin added, and that user must not be bound to any subject yet: then it is bound, once;
//  - a user bound to another subject (or another issuer) is refused, and the attempt audited.

export interface OidcProfile {
  sub?: unknown;
  email?: unknown;
  email_verified?: unknown;
}

export type OidcRefusal = "no_subject" | "email_unverified" | "not_invited" | "deactivated" | "subject_mismatch";
export type OidcSignInResult = { ok: true; userId: string; bound: boolean } | { ok: false; reason: OidcRefusal };

/** The configured issuer as stored beside the subject (no trailing slash, so one spelling). */
export function oidcIssuer(): string | null {
  const issuer = config().BLINDSPOT_OIDC_ISSUER;
  return issuer ? issuer.replace(/\/+$/, "") : null;
}

async function refuse(reason: OidcRefusal, actor: string, tenantId: string | null, details: Record<string, string> = {}): Promise<OidcSignInResult> {
  await recordAudit({ tenantId, actor, action: "signin.failed", details: { method: "oidc", reason, ...details } });
  return { ok: false, reason };
}

export async function oidcSignIn(profile: OidcProfile, issuer: string): Promise<OidcSignInResult> {
  const sub = typeof profile.sub === "string" && profile.sub !== "" ? profile.sub : null;
  const email = typeof profile.email === "string" ? profile.email.trim().toLowerCase() : null;
  if (!sub) return refuse("no_subject", email ?? "unknown", null);

  const db = prisma();
  const bound = await db.user.findUnique({ where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: sub } } });
  if (bound) {
    if (bound.deactivatedAt) return refuse("deactivated", bound.email, bound.tenantId);
    await db.user.update({ where: { id: bound.id }, data: { lastLoginAt: new Date() } });
    await recordAudit({ tenantId: bound.tenantId, actor: bound.email, action: "signin", details: { method: "oidc" } });
    return { ok: true, userId: bound.id, bound: false };
  }

  // First SSO sign-in of this subject: the email is all that links it to a user, so it must be verified.
  if (profile.email_verified !== true) return refuse("email_unverified", email ?? "unknown", null, { subject: sub });
  const user = email ? await db.user.findUnique({ where: { email } }) : null;
  if (!user) return refuse("not_invited", email ?? "unknown", null);
  if (user.deactivatedAt) return refuse("deactivated", user.email, user.tenantId);
  if (user.oidcSubject !== null) {
    return refuse("subject_mismatch", user.email, user.tenantId, { issuer, subject: sub });
  }
  // Bind only if still unbound: two first sign-ins racing cannot both win.
  let claimed = 0;
  try {
    ({ count: claimed } = await db.user.updateMany({
      where: { id: user.id, oidcSubject: null },
      data: { oidcIssuer: issuer, oidcSubject: sub, lastLoginAt: new Date() },
    }));
  } catch (err) {
    // (issuer, sub) taken meanwhile by another user: the same refusal.
    if ((err as { code?: unknown }).code !== "P2002") throw err;
  }
  if (claimed === 0) return refuse("subject_mismatch", user.email, user.tenantId, { issuer, subject: sub });
  await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "user.sso_bound", target: user.id, details: { issuer, subject: sub } });
  await recordAudit({ tenantId: user.tenantId, actor: user.email, action: "signin", details: { method: "oidc" } });
  return { ok: true, userId: user.id, bound: true };
}

/** The user an OIDC subject is bound to (for the session token, after oidcSignIn allowed it). */
export async function userIdForOidcSubject(issuer: string, sub: string): Promise<string | null> {
  const row = await prisma().user.findUnique({
    where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: sub } },
    select: { id: true, deactivatedAt: true },
  });
  return row && !row.deactivatedAt ? row.id : null;
}
