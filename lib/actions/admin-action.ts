import { revalidatePath } from "next/cache";
import type { z } from "zod";
import { recordAudit } from "@/lib/audit";
import { requireUser, type ConsoleUser } from "@/lib/auth/session";

// Every console action that changes configuration runs through adminAction: the caller must be
// an admin of the tenant being viewed (or the instance owner), the form is parsed by a zod schema
// before anything is touched, audit entries are written as that admin through lib/audit, and the
// page that shows the change is revalidated. A caller without the role gets the 403 a page
// would give (requireUser).

export interface AuditNote {
  action: string;
  target?: string;
  details?: Record<string, string | number | boolean>;
}

export interface AdminActionContext {
  admin: ConsoleUser;
  /** Records what this admin did, in the tenant being viewed. */
  audit(note: AuditNote): Promise<void>;
}

export interface AdminActionSpec<Schema extends z.ZodType, Result> {
  /** "owner": instance-wide settings; default "admin": the admins of the tenant being viewed. */
  access?: "admin" | "owner";
  input: Schema;
  /** The action's answer to input that does not parse: the first problem and its field. */
  invalid(message: string, field: string | undefined): Result;
  run(ctx: AdminActionContext, input: z.output<Schema>): Promise<Result>;
  /** The page that shows what the action changed. */
  revalidate?: string;
}

/** A submitted form as a plain object (the last value of a repeated field), for zod. */
export function formFields(form: FormData): Record<string, FormDataEntryValue> {
  const fields: Record<string, FormDataEntryValue> = {};
  for (const [key, value] of form.entries()) fields[key] = value;
  return fields;
}

export function adminAction<Schema extends z.ZodType, Result>(spec: AdminActionSpec<Schema, Result>): (form: FormData) => Promise<Result> {
  return async (form) => {
    const admin = await requireUser(spec.access === "owner" ? { owner: true } : { roles: ["admin"] });
    const parsed = spec.input.safeParse(formFields(form));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return spec.invalid(issue?.message ?? "invalid input", typeof issue?.path[0] === "string" ? issue.path[0] : undefined);
    }
    const ctx: AdminActionContext = {
      admin,
      audit: (note) => recordAudit({ tenantId: admin.tenantId, actor: admin.email, ...note }),
    };
    const result = await spec.run(ctx, parsed.data);
    if (spec.revalidate) revalidatePath(spec.revalidate);
    return result;
  };
}
