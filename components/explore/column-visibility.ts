"use client";

import { useCallback, useMemo, useSyncExternalStore } from "react";

// The Explorer's column choice, kept in localStorage (per browser, not per account: it is a
// display preference). Read through useSyncExternalStore so the server render and hydration use
// the defaults and the stored choice applies right after, without a mismatch; other tabs follow
// through the `storage` event.

export type Visibility = Record<string, boolean>;

const STORAGE_KEY = "blindspot.explore.columns.v1";
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  const onStorage = (e: StorageEvent) => {
    if (e.key === STORAGE_KEY) listener();
  };
  window.addEventListener("storage", onStorage);
  return () => {
    listeners.delete(listener);
    window.removeEventListener("storage", onStorage);
  };
}

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: defaults
  }
}

function parse(raw: string | null, defaults: Visibility): Visibility {
  if (!raw) return defaults;
  try {
    const stored = JSON.parse(raw) as unknown;
    if (typeof stored !== "object" || stored === null) return defaults;
    const out: Visibility = { ...defaults };
    // Only known columns; columns added later keep their default.
    for (const key of Object.keys(defaults)) {
      const v = (stored as Record<string, unknown>)[key];
      if (typeof v === "boolean") out[key] = v;
    }
    return out;
  } catch {
    return defaults;
  }
}

export function useColumnVisibility(defaults: Visibility): [Visibility, (next: Visibility | ((prev: Visibility) => Visibility)) => void, () => void] {
  const raw = useSyncExternalStore(subscribe, readStored, () => null);
  const visibility = useMemo(() => parse(raw, defaults), [raw, defaults]);
  const set = useCallback(
    (next: Visibility | ((prev: Visibility) => Visibility)) => {
      const value = typeof next === "function" ? next(visibility) : next;
      try {
        window.localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      } catch {
        // storage full or disabled: the choice cannot be kept
      }
      listeners.forEach((l) => l());
    },
    [visibility],
  );
  const reset = useCallback(() => {
    try {
      window.localStorage.removeItem(STORAGE_KEY);
    } catch {
      // ignore
    }
    listeners.forEach((l) => l());
  }, []);
  return [visibility, set, reset];
}
