import { selectTenant } from "@/lib/actions/console";

export function TenantPicker({ tenants, current, canSwitch }: { tenants: { id: string; slug: string; name: string }[]; current: string; canSwitch: boolean }) {
  const active = tenants.find((t) => t.id === current);
  if (!canSwitch || tenants.length < 2) {
    return <span className="text-xs text-slate-500 dark:text-slate-400">Tenant: <span className="font-medium text-slate-800 dark:text-slate-200">{active?.slug ?? "?"}</span></span>;
  }
  return (
    <form action={selectTenant} className="flex items-center gap-1.5 text-xs text-slate-500 dark:text-slate-400">
      <label htmlFor="tenant-picker">Tenant</label>
      <select id="tenant-picker" name="tenantId" defaultValue={current} className="field py-1 text-xs">
        {tenants.map((t) => (
          <option key={t.id} value={t.id}>
            {t.slug}
          </option>
        ))}
      </select>
      <button type="submit" className="btn-secondary py-1 text-xs">
        Switch
      </button>
    </form>
  );
}
