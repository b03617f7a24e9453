import { LEVEL_INFO, RESOLUTION_INFO, STATUS_INFO } from "@/lib/presentation/alert-labels";
import type { AlertResolution, AlertStatus, RuleLevel } from "@/lib/detections/types";

const CHIP = "inline-flex items-center gap-1 whitespace-nowrap rounded px-1.5 py-0.5 text-[11px] font-semibold ring-1 ring-inset";

export function SeverityBadge({ level }: { level: RuleLevel }) {
  const info = LEVEL_INFO[level] ?? LEVEL_INFO.informational;
  return (
    <span className={`${CHIP} ${info.chip}`} data-severity={level} title={`Severity: ${info.label}`}>
      {info.label}
    </span>
  );
}

export function StatusBadge({ status, resolution }: { status: AlertStatus; resolution: AlertResolution | null }) {
  const info = STATUS_INFO[status];
  return (
    <span className={`${CHIP} font-medium ${info.chip}`} data-status={status} title={info.help}>
      {info.label}
      {status === "closed" && resolution && <span className="font-normal">· {RESOLUTION_INFO[resolution].label.toLowerCase()}</span>}
    </span>
  );
}
