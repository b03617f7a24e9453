"use server";

import { revalidatePath } from "next/cache";
import { requireUser } from "@/lib/auth/session";
import { setConfiguredOrigins } from "@/lib/settings/cors-origins";

export interface OriginsState {
  error?: string;
  saved?: boolean;
}

export async function saveOriginsAction(_prev: OriginsState, form: FormData): Promise<OriginsState> {
  // Browser origins apply to the whole instance: owners only.
  const admin = await requireUser({ owner: true });
  const origins = String(form.get("origins") ?? "").split(/[\s,]+/).filter(Boolean);
  try {
    await setConfiguredOrigins(origins, admin.email);
  } catch (err) {
    return { error: (err as Error).message };
  }
  revalidatePath("/settings/receiver");
  return { saved: true };
}
