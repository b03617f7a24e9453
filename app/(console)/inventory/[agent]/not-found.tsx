import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Agent not found · Blindspot" };

export default function AgentNotFound() {
  return (
    <MissingRecord
      kind="agent"
      why="Agents are listed by surface and app in the inventory; this one has never reported to this tenant, or the link is mistyped."
      links={[{ href: "/inventory", label: "Inventory" }, { href: "/", label: "Home" }]}
    />
  );
}
