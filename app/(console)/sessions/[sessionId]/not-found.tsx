import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Session not found · Blindspot" };

export default function SessionNotFound() {
  return (
    <MissingRecord
      kind="session"
      why="The session may belong to another tenant, be older than the retention period, or the link may be mistyped."
      links={[{ href: "/explore", label: "Explore events" }, { href: "/", label: "Home" }]}
    />
  );
}
