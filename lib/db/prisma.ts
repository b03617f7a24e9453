import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { processSingleton } from "@/lib/process-singleton";
import { getPool } from "./pool";

// Prisma for the relational model (tenants, users, tokens); it shares the process's pg pool.
const holder = processSingleton<{ current?: { client: PrismaClient; pool: unknown } }>("prisma", () => ({}));

export function prisma(): PrismaClient {
  const pool = getPool();
  const h = holder.current;
  if (h && h.pool === pool) return h.client;
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  holder.current = { client, pool };
  return client;
}
