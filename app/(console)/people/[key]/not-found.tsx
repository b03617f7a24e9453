import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Person not found · Blindspot" };

export default function PersonNotFound() {
  return (
    <MissingRecord
      kind="person"
      why="Nothing in this tenant names this person: no telemetry and no Compliance record under this email or account id."
      links={[{ href: "/compliance", label: "Compliance activity" }, { href: "/explore", label: "Explore events" }]}
    />
  );
}
