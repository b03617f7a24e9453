import { randomUUID } from "node:crypto";
import { recordAudit } from "@/lib/audit";
import { prisma } from "@/lib/db/prisma";
import { hashPassword } from "./passwords";
import type { Role } from "./roles";

// Console users: one home tenant and a role each. Passwords are bcrypt hashes; SSO users may
// have none.

export async function createUser(input: { tenantId: string; email: string; role: Role; name?: string; password?: string; actor: string }) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new Error(`"${input.email}" is not an email address`);
  const user = await prisma().user.create({
    data: {
      id: randomUUID(),
      tenantId: input.tenantId,
      email,
      name: input.name ?? null,
      role: input.role,
      passwordHash: input.password ? await hashPassword(input.password) : null,
    },
  });
  await recordAudit({ tenantId: input.tenantId, actor: input.actor, action: "user.create", target: email, details: { role: input.role } });
  return user;
}

export async function deactivateUser(email: string, actor: string) {
  const user = await prisma().user.update({ where: { email: email.trim().toLowerCase() }, data: { deactivatedAt: new Date() } });
  await recordAudit({ tenantId: user.tenantId, actor, action: "user.deactivate", target: user.email });
  return user;
}
