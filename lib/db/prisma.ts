import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { getPool } from "./pool";

// Prisma for the relational model (tenants, users, tokens); it shares the process's pg pool.
const holder = globalThis as unknown as { __blindspotPrisma?: { client: PrismaClient; pool: unknown } };

export function prisma(): PrismaClient {
  const pool = getPool();
  const h = holder.__blindspotPrisma;
  if (h && h.pool === pool) return h.client;
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  holder.__blindspotPrisma = { client, pool };
  return client;
}
