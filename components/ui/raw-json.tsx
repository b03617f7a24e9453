import type { JsonValue } from "@/lib/otlp/values";

/** Raw attributes, one click away. Rendered as text: telemetry may contain markup or injection. */
export function RawJson({ label = "Raw attributes", value }: { label?: string; value: JsonValue | Record<string, JsonValue> }) {
  return (
    <details className="group mt-2">
      <summary className="cursor-pointer select-none text-xs text-slate-500 hover:text-slate-800 dark:text-slate-400 dark:hover:text-slate-200">
        {label}
      </summary>
      <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded bg-slate-100 p-2 font-mono text-[11px] leading-relaxed text-slate-800 dark:bg-slate-950 dark:text-slate-200">
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

/** A block of content (prompt text, command, tool input) shown as inert text. */
export function ContentBlock({ children, mono = false }: { children: string; mono?: boolean }) {
  return (
    <pre
      className={`max-h-80 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded bg-slate-50 p-2 text-xs leading-relaxed text-slate-900 ring-1 ring-inset ring-slate-200 dark:bg-slate-950 dark:text-slate-100 dark:ring-slate-800 ${mono ? "font-mono" : "font-sans"}`}
    >
      {children}
    </pre>
  );
}
