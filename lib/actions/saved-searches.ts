"use server";

import { revalidatePath } from "next/cache";
import { formFields } from "@/lib/actions/admin-action";
import { requireUser, type ConsoleUser } from "@/lib/auth/session";
import { EXPLORE_PATH } from "@/lib/explore/url";
import {
  clearQueryHistory,
  deleteSavedSearch,
  SavedSearchError,
  savedSearchInput,
  saveSearch,
  type SearchViewer,
} from "@/lib/explore/saved-searches";

// The Explorer's search menu: save the current query (optionally shared with the tenant), delete
// one, forget the history. Every signed-in role may keep searches: a query is not content.

export interface SavedSearchState {
  status: "idle" | "saved" | "deleted" | "cleared" | "error";
  message?: string;
  field?: string;
}

function viewer(user: ConsoleUser): SearchViewer {
  return { tenantId: user.tenantId, id: user.id, email: user.email, isAdmin: user.isAdmin };
}

export async function saveSearchAction(_prev: SavedSearchState, form: FormData): Promise<SavedSearchState> {
  const user = await requireUser();
  const parsed = savedSearchInput.safeParse(formFields(form));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: "error", message: issue?.message ?? "invalid input", field: typeof issue?.path[0] === "string" ? issue.path[0] : undefined };
  }
  try {
    const saved = await saveSearch(viewer(user), parsed.data);
    revalidatePath(EXPLORE_PATH);
    return { status: "saved", message: saved.shared ? `Saved “${saved.name}”, shared with the tenant.` : `Saved “${saved.name}”.` };
  } catch (err) {
    if (err instanceof SavedSearchError) return { status: "error", message: err.message, field: err.field };
    throw err;
  }
}

export async function deleteSavedSearchAction(_prev: SavedSearchState, form: FormData): Promise<SavedSearchState> {
  const user = await requireUser();
  try {
    await deleteSavedSearch(viewer(user), String(form.get("id") ?? ""));
    revalidatePath(EXPLORE_PATH);
    return { status: "deleted", message: "Deleted." };
  } catch (err) {
    if (err instanceof SavedSearchError) return { status: "error", message: err.message };
    throw err;
  }
}

export async function clearQueryHistoryAction(_prev: SavedSearchState, _form: FormData): Promise<SavedSearchState> {
  const user = await requireUser();
  await clearQueryHistory(user.tenantId, user.id);
  revalidatePath(EXPLORE_PATH);
  return { status: "cleared", message: "History cleared." };
}
