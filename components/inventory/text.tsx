// Telemetry values are hostile: anyone who can send OTLP chooses them. React already escapes
// markup; these helpers also make invisible and direction-changing characters visible (a
// U+202E in a path or email would otherwise reorder what the analyst reads) and cap the length.

const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

export function visible(value: string, max = 240): string {
  const shown = value.replace(INVISIBLE, (c) => `⟨U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}⟩`);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

/** A telemetry value as plain text: visible characters, capped, with the full (visible) value on hover. */
export function Value({ value, max = 240, className }: { value: string; max?: number; className?: string }) {
  const full = visible(value, 4000);
  const shown = visible(value, max);
  return (
    <span className={className} title={full !== shown ? full : undefined}>
      {shown}
    </span>
  );
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Minutes are enough in a table; the hover shows the exact UTC time. */
export function Time({ value }: { value: Date }) {
  const d = value;
  const short = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return (
    <time dateTime={d.toISOString()} title={`${d.toISOString().replace("T", " ").replace("Z", "")} UTC`} className="whitespace-nowrap tabular-nums">
      {short}
    </time>
  );
}

export function ago(value: Date, now: Date): string {
  const s = Math.max(0, Math.round((now.getTime() - value.getTime()) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

export function count(n: number): string {
  return new Intl.NumberFormat("en-US").format(n);
}
