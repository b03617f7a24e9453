import { Badge } from "@/components/ui/badge";
import { NoValue, Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import type { DataPolicy, PolicyAction } from "@/lib/secrets/policy";
import type { Tone } from "@/lib/presentation/labels";

// One version of a data policy, read-only: rules as a table, then the default action, extra
// patterns, exemptions and whether emails are dropped.

export const ACTION_TONE: Record<PolicyAction, Tone> = { keep: "slate", mask: "sky", hash: "amber", drop: "red" };

export function DataPolicyView({ policy, label }: { policy: DataPolicy; label: string }) {
  return (
    <div className="space-y-3 text-xs" data-testid="policy-view">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5">
        <dt className="text-slate-500 dark:text-slate-400">Default action</dt>
        <dd data-testid="default-action">
          <Badge tone={ACTION_TONE[policy.defaultAction]}>{policy.defaultAction}</Badge>
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Drop email</dt>
        <dd>{policy.dropEmail ? "yes: stored as empty; the account id still identifies" : "no"}</dd>
        <dt className="text-slate-500 dark:text-slate-400">Extra patterns</dt>
        <dd>
          {policy.extraPatterns.length === 0 ? (
            <NoValue />
          ) : (
            <ul className="space-y-0.5">
              {policy.extraPatterns.map((p, i) => (
                <li key={i} className="font-mono [overflow-wrap:anywhere]">
                  {p.kind}: /{p.pattern}/
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Exemptions</dt>
        <dd>
          {policy.exemptions.length === 0 ? (
            <NoValue />
          ) : (
            <ul className="space-y-0.5">
              {policy.exemptions.map((x, i) => (
                <li key={i} className="font-mono [overflow-wrap:anywhere]">
                  {x}
                </li>
              ))}
            </ul>
          )}
        </dd>
      </dl>
      <Table variant="bare" label={label} empty={policy.rules.length === 0 && <p className="text-slate-500 dark:text-slate-400">No rules: the default action applies everywhere.</p>}>
        <THead>
          <tr>
            <Th>Target</Th>
            <Th>Action</Th>
          </tr>
        </THead>
        <TBody>
          {policy.rules.map((r) => (
            <Tr key={r.target}>
              <Td mono>{r.target}</Td>
              <Td>
                <Badge tone={ACTION_TONE[r.action]}>{r.action}</Badge>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}
