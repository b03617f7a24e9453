import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** Blindspot user id; roles and tenant are read from the database on every request. */
    uid?: string;
    /** The user's session version when this session began (a password change raises it). */
    sv?: number;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
    sv?: number;
  }
}
