import type { ReactNode } from "react";
import { sourceLabel } from "@/lib/domain/vocabulary";
import { ACCEPT_DECISION_INFO, DECISION_SOURCE_INFO, TONE_CLASSES, type Tone } from "@/lib/presentation/labels";

export function Badge({ tone = "slate", title, children }: { tone?: Tone; title?: string; children: ReactNode }) {
  return (
    <span title={title} className={`inline-flex items-center whitespace-nowrap rounded px-1.5 py-0.5 text-[11px] font-medium ring-1 ring-inset ${TONE_CLASSES[tone]}`}>
      {children}
    </span>
  );
}

export function DecisionBadge({ decision, source }: { decision: string | null; source: string | null }) {
  const info = source ? DECISION_SOURCE_INFO[source] : undefined;
  const rejected = decision === "reject";
  return (
    <span className="inline-flex items-center gap-1">
      {decision && <Badge tone={rejected ? "red" : "emerald"}>{rejected ? "rejected" : decision === "accept" ? "accepted" : decision}</Badge>}
      {source && (
        <Badge tone={info?.tone ?? "slate"} title={info?.help}>
          by {info?.label ?? source}
        </Badge>
      )}
    </span>
  );
}

export function AcceptDecisionBadge({ decision }: { decision: string | null }) {
  if (!decision) return null;
  const info = ACCEPT_DECISION_INFO[decision];
  return (
    <Badge tone={info?.tone ?? "slate"} title={info?.help}>
      {info?.label ?? decision}
    </Badge>
  );
}

export function SourceBadge({ source }: { source: string }) {
  return <Badge tone="sky">{sourceLabel(source)}</Badge>;
}

export function SuccessBadge({ success }: { success: boolean | null }) {
  if (success === null) return null;
  return <Badge tone={success ? "emerald" : "red"}>{success ? "succeeded" : "failed"}</Badge>;
}
