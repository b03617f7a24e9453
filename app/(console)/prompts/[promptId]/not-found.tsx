import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Prompt not found · Blindspot" };

export default function PromptNotFound() {
  return (
    <MissingRecord
      kind="prompt"
      why="Prompt ids come from Claude Code's telemetry (prompt.id). The prompt may belong to another tenant, be older than the retention period, or the link may be mistyped."
      links={[{ href: "/explore", label: "Explore events" }, { href: "/", label: "Home" }]}
    />
  );
}
