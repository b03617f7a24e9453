import Link from "next/link";
import { notFound } from "next/navigation";
import { EnabledBadge, EXCEPTION_FIELDS, LevelBadge, SERVICE_LABELS } from "@/components/rules/rule-badges";
import { ExceptionForm, RuleSettingForm } from "@/components/rules/rule-forms";
import { RulePreview } from "@/components/rules/rule-preview";
import { previewRuleAction } from "@/lib/actions/alerts";
import { Sparkline } from "@/components/rules/sparkline";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { effectiveLevel, isEnabled, ruleById } from "@/lib/detections/pack";
import { runRuleTests } from "@/lib/detections/rule-tests";
import { loadTuning } from "@/lib/detections/tuning";
import { formatTime } from "@/lib/presentation/format";
import { ACTIVITY_DAYS, ruleActivity, ruleHealth } from "@/lib/queries/rules";
import { removeExceptionAction } from "../actions";
import { recordTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ ruleId: string }> }) {
  return { title: recordTitle("Rule", (await params).ruleId) };
}

function Pre({ children, label }: { children: string; label: string }) {
  return (
    <pre aria-label={label} className="max-h-[28rem] overflow-auto rounded-md bg-slate-50 p-3 font-mono text-[11px] leading-relaxed text-slate-800 dark:bg-slate-950 dark:text-slate-200">
      {children}
    </pre>
  );
}

// One rule: what it looks for in words, its YAML, its test cases and their results, its hits, and
// (admins) its setting and exceptions for this tenant.
export default async function RulePage({ params }: { params: Promise<{ ruleId: string }> }) {
  const user = await requireUser();
  const { ruleId } = await params;
  const rule = ruleById(decodeURIComponent(ruleId));
  if (!rule) notFound();
  const [tuning, activity, health] = await Promise.all([loadTuning(user.tenantId), ruleActivity(user.tenantId, new Date(), rule.id), ruleHealth(user.tenantId)]);
  const a = activity.get(rule.id);
  const h = health.get(rule.id);
  const setting = tuning.settings.get(rule.id);
  const exceptions = tuning.exceptions.filter((e) => e.ruleId === rule.id);
  const tests = runRuleTests(rule);
  const c = rule.correlation;

  return (
    <div className="mx-auto max-w-6xl space-y-4">
      <div>
        <p className="text-xs"><Link href="/rules" className="link">Detection rules</Link> / {SERVICE_LABELS[rule.service]}</p>
        <h1 className="mt-1 text-lg font-semibold tracking-tight">{rule.title}</h1>
        <div className="mt-1 flex flex-wrap items-center gap-1.5 text-xs">
          <LevelBadge level={effectiveLevel(rule, tuning)} shipped={rule.level} />
          <EnabledBadge enabled={isEnabled(rule, tuning)} />
          <Badge>{rule.status}</Badge>
          <Badge tone="violet">{rule.kind === "correlation" ? `correlation: ${c!.type}` : "single event"}</Badge>
          {h?.lastError && <Badge tone="red">failing since {formatTime(h.failingSince)}</Badge>}
          {rule.tags.map((t) => <Badge key={t} tone="sky">{t}</Badge>)}
        </div>
      </div>

      {h?.lastError && (
        <p role="alert" className="rounded-md border border-red-200 bg-red-50 p-3 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          The last evaluation failed: {h.lastError}
        </p>
      )}

      <Card title="What it looks for">
        <p className="max-w-4xl text-sm text-slate-700 dark:text-slate-200">{rule.description}</p>
        <p className="mt-3 max-w-4xl text-xs"><span className="font-medium">Fires when </span><span className="font-mono [overflow-wrap:anywhere]">{rule.conditionText}</span></p>
        {c && (
          <ul className="mt-2 list-disc pl-5 text-xs">
            {c.rules.map((b) => (
              <li key={b.id}><span className="font-medium">{b.title}</span>: <span className="font-mono [overflow-wrap:anywhere]">{b.detection.words}</span></li>
            ))}
          </ul>
        )}
        {rule.falsepositives.length > 0 && (
          <div className="mt-3 text-xs"><span className="font-medium">Known false positives: </span>{rule.falsepositives.join("; ")}</div>
        )}
        <div className="mt-3 flex flex-wrap gap-x-6 gap-y-1 text-xs text-slate-500 dark:text-slate-400">
          <span>id <span className="font-mono">{rule.id}</span></span>
          <span>file <span className="font-mono">{rule.file}</span></span>
          {rule.author && <span>by {rule.author}{rule.date ? `, ${rule.date}` : ""}</span>}
          {rule.references.map((r) => <a key={r} className="link" href={r} rel="noreferrer noopener" target="_blank">{r}</a>)}
        </div>
      </Card>

      <Card title={`Hits, last ${ACTIVITY_DAYS} days`} aside={<span className="text-xs text-slate-500">{a ? `${a.hits} hits in ${a.alerts} alerts` : "none"}</span>}>
        <Sparkline values={a?.perDay ?? new Array(ACTIVITY_DAYS).fill(0)} label={`${a?.hits ?? 0} hits in ${ACTIVITY_DAYS} days`} />
        <div className="mt-3">
          <RulePreview ruleId={rule.id} onPreview={previewRuleAction} />
        </div>
      </Card>

      <Card title="For this tenant">
        {user.isAdmin ? (
          <RuleSettingForm ruleId={rule.id} enabled={isEnabled(rule, tuning)} level={setting?.level ?? null} shippedLevel={rule.level} />
        ) : (
          <p className="text-xs text-slate-600 dark:text-slate-300">{isEnabled(rule, tuning) ? "Enabled" : "Disabled"}, level {effectiveLevel(rule, tuning)}. Admins change this.</p>
        )}
        <h3 className="mb-2 mt-4 text-xs font-medium">Exceptions ({exceptions.length})</h3>
        {exceptions.length > 0 && (
          <ul className="mb-3 space-y-1 text-xs">
            {exceptions.map((e) => (
              <li key={e.id} className="flex flex-wrap items-center gap-2">
                <span className="font-mono [overflow-wrap:anywhere]">{e.field} {e.operator} {user.canReadContent ? `"${e.value}"` : <span className="font-sans italic text-slate-500">value hidden</span>}</span>
                <span className="text-slate-500">because {e.reason} ({e.createdBy}, {formatTime(e.createdAt)})</span>
                {user.isAdmin && (
                  <form action={removeExceptionAction}>
                    <input type="hidden" name="id" value={e.id} />
                    <button type="submit" className="link text-red-700 dark:text-red-400">Remove</button>
                  </form>
                )}
              </li>
            ))}
          </ul>
        )}
        {user.isAdmin && <ExceptionForm ruleId={rule.id} fields={EXCEPTION_FIELDS} />}
      </Card>

      <Card title={`Test cases (${tests.filter((t) => t.ok).length}/${tests.length} pass)`}>
        <Table variant="bare" label="Test cases" className="mb-3">
          <THead>
            <tr>
              <Th>Case</Th>
              <Th numeric className="w-28">Expected hits</Th>
              <Th numeric className="w-20">Hits</Th>
              <Th className="w-20">Result</Th>
            </tr>
          </THead>
          <TBody>
            {tests.map((t, i) => (
              <Tr key={i} hover={false}>
                <Td>{t.name}</Td>
                <Td numeric>{t.expected}</Td>
                <Td numeric>{t.actual}</Td>
                <Td>{t.ok ? <Badge tone="emerald">pass</Badge> : <Badge tone="red" title={t.error}>fail</Badge>}</Td>
              </Tr>
            ))}
          </TBody>
        </Table>
        {rule.tests && <Pre label="Test cases YAML">{rule.tests}</Pre>}
      </Card>

      <Card title="Sigma rule">
        <Pre label="Rule YAML">{rule.yaml}</Pre>
      </Card>
    </div>
  );
}
