import Link from "next/link";

// Why the rule fired, in the rule's own words: what it looks for (its description), its condition
// in plain language, and what usually makes it fire without an attack. The alert page passes the
// fields of the rule from the pack (ruleById); `rule` is null when the pack no longer has it.

export interface RuleExplanationProps {
  id: string;
  title: string;
  description?: string | null;
  /** The Sigma condition in words, e.g. "a tool decision where permission_mode is bypassPermissions". */
  conditionText?: string | null;
  tags?: string[];
  falsepositives?: string[];
  references?: string[];
  /** The rule's file in the repository, e.g. rules/claude_code/bypass-permissions.yml. */
  file?: string | null;
}

export function RuleExplanation({ rule, ruleId }: { rule: RuleExplanationProps | null; ruleId: string }) {
  if (!rule) {
    return (
      <p className="text-xs text-slate-500">
        The rule <code className="font-mono">{ruleId}</code> is not in the loaded rule pack (renamed, removed, or its file failed to load: see Rules); the
        alert keeps the title and the matched values it had when it fired.
      </p>
    );
  }
  const attack = (rule.tags ?? []).filter((t) => t.startsWith("attack."));
  return (
    <div className="space-y-2 text-xs" data-testid="rule-explanation">
      {rule.description && <p className="text-slate-700 dark:text-slate-200">{rule.description}</p>}
      {rule.conditionText && (
        <p>
          <span className="font-medium text-slate-700 dark:text-slate-200">It fires on </span>
          <span className="text-slate-800 dark:text-slate-100">{rule.conditionText}</span>
        </p>
      )}
      {(rule.falsepositives ?? []).length > 0 && (
        <div>
          <div className="font-medium text-slate-700 dark:text-slate-200">Known harmless causes</div>
          <ul className="ml-4 list-disc text-slate-600 dark:text-slate-300">
            {rule.falsepositives!.map((f) => <li key={f}>{f}</li>)}
          </ul>
        </div>
      )}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-slate-500">
        {attack.length > 0 && <span>MITRE ATT&CK: {attack.map((t) => t.slice("attack.".length).toUpperCase()).join(", ")}</span>}
        {rule.file && <span className="font-mono">{rule.file}</span>}
        <Link className="link" href={`/rules#rule-${rule.id}`}>The rule, its tests and its tuning →</Link>
      </div>
      {(rule.references ?? []).length > 0 && (
        <ul className="text-slate-500">
          {rule.references!.map((r) => (
            <li key={r} className="[overflow-wrap:anywhere]">{/^https?:\/\//.test(r) ? <a className="link" href={r} rel="noreferrer noopener" target="_blank">{r}</a> : r}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
