import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Trace not found · Blindspot" };

export default function TraceNotFound() {
  return (
    <MissingRecord
      kind="trace"
      why="Trace ids are 32 hexadecimal characters. The trace may belong to another tenant, be older than the retention period, or its spans may not have arrived yet."
      links={[{ href: "/explore", label: "Explore events" }, { href: "/", label: "Home" }]}
    />
  );
}
