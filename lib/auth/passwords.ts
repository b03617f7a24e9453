import bcrypt from "bcryptjs";

// Console passwords: bcrypt, cost 12 (about a quarter second here), so a stolen table is slow to crack.
const COST = 12;

export function hashPassword(password: string): Promise<string> {
  if (password.length < 12) throw new Error("password must be at least 12 characters");
  return bcrypt.hash(password, COST);
}

// Checking a password is lib/auth/password-checks.ts (worker threads, bounded), never bcrypt here:
// sign-in attempts come from the network, and a check on the event loop stalls ingest.
