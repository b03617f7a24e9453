import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

// Every page renders per request: the Content-Security-Policy's script nonce (proxy.ts) differs
// on each response, and a page prerendered at build time would carry scripts without it.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: "Blindspot",
  description: "Investigate what Claude did: OpenTelemetry execution telemetry joined with the Compliance API.",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans text-sm">{children}</body>
    </html>
  );
}
