import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";
import { pageTitle } from "@/lib/presentation/page-title";

export const metadata = { title: pageTitle("Settings") };

export default async function SettingsIndex() {
  await requireUser({ roles: ["admin"] });
  redirect("/settings/setup");
}
