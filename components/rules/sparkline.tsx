// Hits per day as small bars: enough to see a rule go quiet or start firing.
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const max = Math.max(1, ...values);
  const w = 3;
  return (
    <svg role="img" aria-label={label} width={values.length * w} height={18} className="text-sky-600 dark:text-sky-400">
      <title>{label}</title>
      {values.map((v, i) => {
        const h = v === 0 ? 1 : Math.max(2, Math.round((v / max) * 18));
        return <rect key={i} x={i * w} y={18 - h} width={w - 1} height={h} className={v === 0 ? "fill-slate-200 dark:fill-slate-700" : "fill-current"} />;
      })}
    </svg>
  );
}
