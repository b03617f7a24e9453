import { Badge } from "@/components/ui/badge";
import type { Tone } from "@/lib/presentation/labels";

const LEVEL_TONES: Record<string, Tone> = { informational: "slate", low: "sky", medium: "amber", high: "orange", critical: "red" };

export const SERVICE_LABELS: Record<string, string> = {
  claude_code: "Claude Code (and Cowork)",
  cowork: "Cowork",
  office_agent: "Office agents",
  compliance_activity: "Compliance activity feed",
};

export function LevelBadge({ level, shipped }: { level: string; shipped?: string }) {
  return (
    <Badge tone={LEVEL_TONES[level] ?? "slate"} title={shipped && shipped !== level ? `changed for this tenant (shipped as ${shipped})` : undefined}>
      {level}
      {shipped && shipped !== level ? " *" : ""}
    </Badge>
  );
}

export function EnabledBadge({ enabled }: { enabled: boolean }) {
  return <Badge tone={enabled ? "emerald" : "slate"}>{enabled ? "enabled" : "disabled"}</Badge>;
}

/** Fields an exception may name: the ones analysts add most (any field of a record works). */
export const EXCEPTION_FIELDS = ["person", "command", "file_path", "mcp_server", "mcp_tool", "destination_host", "url_host", "tool_name", "skill_name", "session.id", "marketplace.name", "plugin.name", "hook_source", "actor.ip_address"];
