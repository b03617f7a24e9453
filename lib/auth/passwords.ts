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

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
