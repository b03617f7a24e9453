import type { Metadata } from "next";
import { ProblemPage } from "@/components/shell/problem-page";

export const metadata: Metadata = { title: "Not found · Blindspot" };

// A console page that is not there, inside the shell (segments with records have their own).
export default function ConsoleNotFound() {
  return (
    <ProblemPage status={404} title="This page does not exist" tabTitle="Not found" links={[{ href: "/", label: "Home" }, { href: "/explore", label: "Explore events" }]}>
      <p>The address may be mistyped, or the link that led here is out of date.</p>
    </ProblemPage>
  );
}
