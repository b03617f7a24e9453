import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";

export default async function SettingsIndex() {
  await requireUser({ roles: ["admin"] });
  redirect("/settings/setup");
}
