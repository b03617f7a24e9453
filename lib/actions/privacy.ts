"use server";

import { z } from "zod";
import { adminAction } from "@/lib/actions/admin-action";
import { queueErasure } from "@/lib/privacy/erase";
import { PersonInputError } from "@/lib/privacy/person-rows";
import { RetentionInputError, setRetention } from "@/lib/privacy/retention";

// Console actions of the privacy features, admins only (adminAction): erasing a person (with a
// reason and the person typed again) and the tenant's retention settings.

export interface EraseState {
  status: "idle" | "queued" | "error";
  message?: string;
  field?: string;
  pseudonym?: string;
  /** The submitted reason, so a refused form keeps it. */
  reason?: string;
}

const erase = adminAction({
  input: z.object({
    person: z.string().trim().min(1, "Which person?"),
    reason: z.string().trim().min(3, "Give a reason: it goes to the audit log.").max(500, "The reason is limited to 500 characters."),
    confirm: z.string().trim().default(""),
  }),
  invalid: (message, field): EraseState => ({ status: "error", message, field }),
  async run({ admin }, input): Promise<EraseState> {
    if (input.confirm.toLowerCase() !== input.person.toLowerCase()) {
      return { status: "error", field: "confirm", message: "Type the person's identifier exactly as shown to confirm.", reason: input.reason };
    }
    try {
      // requestErasure writes the audit entry (pseudonym, who, why; never the person in clear).
      const erasure = await queueErasure({ tenantId: admin.tenantId, person: input.person, reason: input.reason, actor: admin.email });
      return { status: "queued", pseudonym: erasure.pseudonym, message: `Erasure queued: this person's records will carry ${erasure.pseudonym}.` };
    } catch (err) {
      if (err instanceof PersonInputError) return { status: "error", message: err.message, reason: input.reason };
      throw err;
    }
  },
});

export async function erasePersonAction(_prev: EraseState, form: FormData): Promise<EraseState> {
  return erase(form);
}

export interface RetentionState {
  status: "idle" | "saved" | "error";
  message?: string;
  field?: string;
}

/** Empty means keep forever. */
const days = z.string().trim().default("").transform((v, ctx) => {
  if (v === "") return null;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    ctx.addIssue({ code: "custom", message: "Days are a whole number, or empty to keep forever." });
    return z.NEVER;
  }
  return n;
});

const saveRetention = adminAction({
  input: z.object({ contentDays: days, metadataDays: days }),
  invalid: (message, field): RetentionState => ({ status: "error", message, field }),
  revalidate: "/settings/retention",
  async run({ admin }, input): Promise<RetentionState> {
    try {
      await setRetention(admin.tenantId, input, admin.email);
    } catch (err) {
      if (err instanceof RetentionInputError) return { status: "error", message: err.message };
      throw err;
    }
    return { status: "saved", message: "Saved. The nightly pass applies it." };
  },
});

export async function saveRetentionAction(_prev: RetentionState, form: FormData): Promise<RetentionState> {
  return saveRetention(form);
}
