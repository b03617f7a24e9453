import type { ReactNode } from "react";
import { ConsoleShell } from "@/components/shell/console-shell";
import { requireUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// The signed-in console (the front page uses the same shell when someone is signed in).
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return <ConsoleShell user={user}>{children}</ConsoleShell>;
}
