import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** Blindspot user id; roles and tenant are read from the database on every request. */
    uid?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    uid?: string;
  }
}
