"use client";

import { useState } from "react";

/** A secret shown exactly once, with a copy button; it is not stored anywhere readable. */
export function SecretOnce({ label, secret }: { label: string; secret: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-xs dark:border-amber-800 dark:bg-amber-950">
      <p className="font-medium text-amber-900 dark:text-amber-200">{label}: copy it now, it will not be shown again.</p>
      <div className="mt-2 flex items-center gap-2">
        <code data-testid="new-secret" className="select-all rounded bg-white px-2 py-1 font-mono text-slate-900 ring-1 ring-amber-200 dark:bg-slate-950 dark:text-slate-100 dark:ring-amber-800">
          {secret}
        </code>
        <button
          type="button"
          className="btn-secondary py-1 text-xs"
          onClick={() => navigator.clipboard?.writeText(secret).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}
