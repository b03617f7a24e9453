import type { Metadata } from "next";
import { MissingRecord } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Rule not found · Blindspot" };

export default function RuleNotFound() {
  return (
    <MissingRecord
      kind="rule"
      why="The rule may be a custom rule of another tenant, or have been deleted."
      links={[{ href: "/rules", label: "All rules" }, { href: "/", label: "Home" }]}
    />
  );
}
