import bcrypt from "bcryptjs";

// Console passwords: bcrypt, cost 12 (about a quarter second here), so a stolen table is slow to crack.
const COST = 12;
export const MIN_PASSWORD_LENGTH = 12;
/** The sign-in form accepts no longer password (bcrypt itself reads only the first 72 bytes). */
export const MAX_PASSWORD_LENGTH = 1024;

export function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) throw new Error(`password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  return bcrypt.hash(password, COST);
}

// Checking a password is lib/auth/password-checks.ts (worker threads, bounded), never bcrypt here:
// sign-in attempts come from the network, and a check on the event loop stalls ingest.
