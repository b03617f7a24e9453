"use server";

import { renewSessionCookie, userForApi } from "@/lib/auth/session";
import { changeOwnPassword } from "@/lib/auth/users";

export interface PasswordChangeState {
  status: "idle" | "changed" | "error";
  message?: string;
  field?: "currentPassword" | "newPassword" | "confirmPassword";
}

/** The signed-in user changes their own password; their other sessions end, this one continues. */
export async function changePasswordAction(_prev: PasswordChangeState, form: FormData): Promise<PasswordChangeState> {
  const user = await userForApi();
  if (!user) return { status: "error", message: "Your session has ended: sign in again." };
  const currentPassword = String(form.get("currentPassword") ?? "");
  const newPassword = String(form.get("newPassword") ?? "");
  if (newPassword !== String(form.get("confirmPassword") ?? "")) {
    return { status: "error", field: "confirmPassword", message: "The two new passwords differ." };
  }
  const result = await changeOwnPassword(user.id, currentPassword, newPassword);
  if (!result.ok) return { status: "error", field: result.field, message: result.error };
  const renewed = await renewSessionCookie(result.sessionVersion);
  return {
    status: "changed",
    message: renewed ? "Password changed. Your other sessions have ended." : "Password changed. Every session has ended: sign in again with the new password.",
  };
}
