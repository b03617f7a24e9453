"use server";

import { z } from "zod";
import { setConfiguredOrigins } from "@/lib/settings/cors-origins";
import { adminAction } from "./admin-action";

// Settings → Receiver: browser origins allowed to post OTLP.

export interface OriginsState {
  error?: string;
  saved?: boolean;
}

// Browser origins apply to the whole instance: owners only. setConfiguredOrigins validates and audits.
const saveOrigins = adminAction({
  access: "owner",
  input: z.object({ origins: z.string().default("").transform((v) => v.split(/[\s,]+/).filter(Boolean)) }),
  invalid: (error): OriginsState => ({ error }),
  revalidate: "/settings/receiver",
  async run({ admin }, { origins }): Promise<OriginsState> {
    try {
      await setConfiguredOrigins(origins, admin.email);
    } catch (err) {
      return { error: (err as Error).message };
    }
    return { saved: true };
  },
});

export async function saveOriginsAction(_prev: OriginsState, form: FormData): Promise<OriginsState> {
  return saveOrigins(form);
}
