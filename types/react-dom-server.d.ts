// react-dom ships no types here (no @types/react-dom); the one server renderer tests use.
declare module "react-dom/server" {
  import type { ReactNode } from "react";
  export function renderToStaticMarkup(node: ReactNode): string;
}
