import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Alert not found · Blindspot" };

export default function AlertNotFound() {
  return (
    <MissingRecord
      kind="alert"
      why="The alert may belong to another tenant, or have been removed with its rule's history."
      links={[{ href: "/alerts", label: "All alerts" }, { href: "/", label: "Home" }]}
    />
  );
}
