// react-dom ships no types here (no @types/react-dom); the prerenderer page tests use to render
// pages holding async server components (it waits for them, renderToStaticMarkup cannot).
declare module "react-dom/static" {
  import type { ReactNode } from "react";
  export function prerender(node: ReactNode): Promise<{ prelude: ReadableStream<Uint8Array> }>;
}
