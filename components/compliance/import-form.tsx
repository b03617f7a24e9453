"use client";

import { useState } from "react";

interface Report {
  id: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  lines: number;
  kinds: Record<string, number>;
  errors: string[];
}

/** Uploads an export file as a stream, with a progress bar and the import's report. */
export function ImportForm() {
  const [file, setFile] = useState<File | null>(null);
  const [org, setOrg] = useState("");
  const [sent, setSent] = useState<number | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const busy = sent !== null && report === null && error === null;

  function start() {
    if (!file) return;
    setReport(null);
    setError(null);
    setSent(0);
    const params = new URLSearchParams({ filename: file.name });
    if (org.trim()) params.set("organizationUuid", org.trim());
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/console/compliance/import?${params}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => setSent(e.lengthComputable ? e.loaded / e.total : 0);
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText) as Report & { error?: string };
        if (xhr.status !== 200) setError(body.error ?? `import failed (${xhr.status})`);
        else setReport(body);
      } catch {
        setError(`import failed (${xhr.status})`);
      }
    };
    xhr.onerror = () => setError("the upload was interrupted");
    xhr.send(file);
  }

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3 text-xs">
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Export file (.json or .ndjson)</span>
          <input type="file" accept=".json,.ndjson,.jsonl,application/json" className="field" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </label>
        <label className="flex flex-col gap-1">
          <span className="text-slate-500">Organization UUID (only for user lists)</span>
          <input value={org} onChange={(e) => setOrg(e.target.value)} className="field w-80" placeholder="8afc8ad1-…" />
        </label>
        <button type="button" className="btn-primary" disabled={!file || busy} onClick={start}>
          {busy ? "Importing…" : "Import"}
        </button>
      </div>
      {sent !== null && (
        <div>
          <div className="h-2 w-full max-w-xl overflow-hidden rounded bg-slate-200 dark:bg-slate-800" role="progressbar" aria-label="Upload progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(sent * 100)}>
            <div className="h-2 bg-sky-600 transition-[width]" style={{ width: `${Math.round(sent * 100)}%` }} />
          </div>
          <p className="mt-1 text-xs text-slate-500">{report ? "Done." : busy ? `${Math.round(sent * 100)}% sent; records are stored as they arrive.` : ""}</p>
        </div>
      )}
      {error && <p role="status" className="rounded-md bg-red-50 px-3 py-2 text-xs text-red-800 dark:bg-red-950 dark:text-red-300">{error}</p>}
      {report && (
        <div role="status" className="rounded-md border border-slate-200 bg-white p-3 text-xs dark:border-slate-800 dark:bg-slate-900">
          <p>
            <strong>{report.accepted}</strong> new, <strong>{report.duplicates}</strong> already stored, <strong className={report.rejected ? "text-red-700 dark:text-red-400" : ""}>{report.rejected}</strong> rejected
            {" "}({Object.entries(report.kinds).map(([k, n]) => `${n} ${k}`).join(", ") || "nothing recognised"}).
          </p>
          {report.errors.length > 0 && (
            <ul className="mt-2 max-h-64 list-disc space-y-0.5 overflow-auto pl-5 font-mono text-[11px] text-red-800 dark:text-red-300">
              {report.errors.map((e, i) => <li key={i}>{e}</li>)}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
