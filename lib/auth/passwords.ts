import bcrypt from "bcryptjs";

// Console passwords: bcrypt, cost 12 (about a quarter second here), so a stolen table is slow to crack.
const COST = 12;

export function hashPassword(password: string): Promise<string> {
  if (password.length < 12) throw new Error("password must be at least 12 characters");
  return bcrypt.hash(password, COST);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
