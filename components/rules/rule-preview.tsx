"use client";

import { useState, useTransition } from "react";

// "Test this rule against the last 30 days": runs the rule over stored history without writing
// alerts. The action comes from the page (the backfill's previewRule), so this stays a view.

export interface PreviewHit {
  person: string | null;
  sessionId: string | null;
  promptId: string | null;
  firstSeen: string;
  lastSeen: string;
  level: string;
  /** Field → value; empty for readers who may not see content. */
  matched: Record<string, string>;
}

export interface PreviewResult {
  hits: PreviewHit[];
  scanned: number;
  ms: number;
  error?: string;
}

export function RulePreview({ ruleId, onPreview }: { ruleId: string; onPreview?: (ruleId: string) => Promise<PreviewResult> }) {
  const [result, setResult] = useState<PreviewResult | null>(null);
  const [pending, start] = useTransition();
  if (!onPreview) {
    return <p className="text-xs text-slate-500 dark:text-slate-400">Testing against history is not available in this build.</p>;
  }
  return (
    <div className="space-y-2 text-xs">
      <button type="button" className="btn-secondary" disabled={pending} onClick={() => start(async () => setResult(await onPreview(ruleId)))}>
        {pending ? "Running over the last 30 days…" : "Test this rule against the last 30 days"}
      </button>
      {result?.error && <p role="status" className="text-red-700 dark:text-red-400">{result.error}</p>}
      {result && !result.error && (
        <div role="status">
          <p className="text-slate-600 dark:text-slate-300">
            {result.hits.length} hit(s) in {result.scanned.toLocaleString("en")} records ({(result.ms / 1000).toFixed(1)} s). No alert was written.
          </p>
          {result.hits.length > 0 && (
            <ul className="mt-2 divide-y divide-slate-100 rounded-md border border-slate-200 dark:divide-slate-800 dark:border-slate-800">
              {result.hits.slice(0, 200).map((h, i) => (
                <li key={i} className="px-3 py-1.5">
                  <span className="font-mono text-slate-500">{h.firstSeen.slice(0, 19).replace("T", " ")}</span>{" "}
                  <span>{h.person ?? "unknown person"}</span>
                  {h.sessionId && <a className="link ml-2" href={`/sessions/${encodeURIComponent(h.sessionId)}`}>session</a>}
                  {Object.keys(h.matched).length > 0 && (
                    <span className="ml-2 font-mono text-slate-600 [overflow-wrap:anywhere] dark:text-slate-300">
                      {Object.entries(h.matched).map(([k, v]) => `${k}=${v.length > 160 ? `${v.slice(0, 160)}…` : v}`).join("  ")}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
