import { surfaceLabel, type SurfaceId } from "@/lib/queries/inventory/agent-ref";

// One calm chip per surface; the coloured square tells products apart at a glance.
const DOT: Record<SurfaceId, string> = {
  claude_code: "bg-orange-400",
  cowork: "bg-violet-500",
  claude_desktop: "bg-slate-500",
  excel: "bg-emerald-600",
  word: "bg-blue-600",
  powerpoint: "bg-red-500",
  outlook: "bg-sky-500",
  office: "bg-slate-400",
};

export function SurfaceBadge({ surface }: { surface: SurfaceId }) {
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap rounded border border-slate-200 bg-slate-50 px-1.5 py-0.5 text-[11px] font-medium text-slate-700 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-200">
      <span aria-hidden className={`h-2 w-2 rounded-sm ${DOT[surface]}`} />
      {surfaceLabel(surface)}
    </span>
  );
}

/** The surface's colour alone (the agent's name already says the surface). */
export function SurfaceDot({ surface, className = "" }: { surface: SurfaceId; className?: string }) {
  return <span aria-hidden title={surfaceLabel(surface)} className={`inline-block h-2 w-2 rounded-sm align-middle ${DOT[surface]} ${className}`} />;
}
