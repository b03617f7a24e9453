import Link from "next/link";
import { notFound } from "next/navigation";
import { ActivityTable } from "@/components/compliance/activity-table";
import { Badge, SourceBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { ErasePersonForm } from "@/components/privacy/erase-person-form";
import { TBody, THead, Table, Td, Th, Tr } from "@/components/ui/table";
import { requireUser } from "@/lib/auth/session";
import { resolvePerson } from "@/lib/identity/resolve";
import { formatCount, formatCountOf, formatTime } from "@/lib/presentation/format";
import { searchActivities } from "@/lib/queries/compliance-activities";
import { personSessions } from "@/lib/queries/people";
import { consoleWindow } from "@/lib/console-range";
import { PivotMenu } from "@/components/pivot/pivot-menu";
import { OTEL_SOURCE_FOR_SURFACE, personTimeline, type PersonTimelineEntry } from "@/lib/presentation/person-timeline";
import { sessionHref } from "@/lib/presentation/links";
import type { PersonSession } from "@/lib/queries/people";
import { recordTitle } from "@/lib/presentation/page-title";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }) {
  return { title: recordTitle("Person", (await params).key, 40) };
}

function SessionLink({ s }: { s: PersonSession }) {
  return (
    <PivotMenu field="session" value={s.sessionId} openHref={sessionHref(s.sessionId)} openLabel="Open session">
      <span className="link font-mono">{s.sessionId.length > 20 ? `${s.sessionId.slice(0, 18)}…` : s.sessionId}</span>
    </PivotMenu>
  );
}

/** One row of the person's timeline: what happened, from which source, linked to where it is told in full. */
function Entry({ entry }: { entry: PersonTimelineEntry }) {
  switch (entry.kind) {
    case "session": {
      const s = entry.session;
      return (
        <>
          <Td><SourceBadge source={s.source} /></Td>
          <Td>
            <span className="mr-1">Session</span>
            <SessionLink s={s} />
            <span className="ml-2 text-slate-500">since {formatTime(s.start)}</span>
          </Td>
          <Td numeric>
            {formatCountOf(s.prompts, "prompt")}
            {s.subagentReports > 0 && <> (+{formatCountOf(s.subagentReports, "subagent report")})</>} · {formatCountOf(s.events, "record")}
          </Td>
        </>
      );
    }
    case "transcript": {
      const t = entry.transcript;
      return (
        <>
          <Td><Badge tone="violet">Compliance</Badge></Td>
          <Td>
            <span className="mr-1">Transcript</span>
            <span className="font-mono">{t.id}</span>
            {t.productSurface && <> <Badge tone="violet">{t.productSurface}</Badge></>}
            {entry.sessions.length > 0 ? (
              <span className="ml-2 inline-flex flex-wrap items-center gap-1 text-slate-500">
                told by telemetry in {entry.sessions.map((s) => <SessionLink key={`${s.source}-${s.sessionId}`} s={s} />)}
              </span>
            ) : t.productSurface && OTEL_SOURCE_FOR_SURFACE[t.productSurface] ? (
              <span className="ml-2 text-amber-700 dark:text-amber-400">no OpenTelemetry session overlaps it</span>
            ) : null}
          </Td>
          <Td numeric>{formatCount(t.messages)} messages</Td>
        </>
      );
    }
    case "activity": {
      const a = entry.activity;
      return (
        <>
          <Td><Badge tone="slate">Compliance</Badge></Td>
          <Td>
            <span className="mr-1">Activity</span>
            <span className="font-mono">{a.type}</span>
            {a.actorIp && <span className="ml-2 font-mono text-slate-500">{a.actorIp}</span>}
          </Td>
          <Td numeric muted>{a.organizationId ?? ""}</Td>
        </>
      );
    }
  }
}


export default async function PersonPage({ params, searchParams }: { params: Promise<{ key: string }>; searchParams: Promise<{ range?: string; from?: string; to?: string }> }) {
  const user = await requireUser();
  const key = decodeURIComponent((await params).key).trim();
  const window = await consoleWindow(await searchParams);
  const query = key.includes("@") ? { email: key } : key.startsWith("user_") ? { accountId: key } : { accountUuid: key };
  const person = await resolvePerson(user.tenantId, query);
  if (!person) notFound();
  const [{ otel, transcripts }, activity] = await Promise.all([
    personSessions(user.tenantId, person, window.from),
    searchActivities(user.tenantId, { actorEmails: person.emails, actorIds: person.accountIds, from: window.from, to: window.to, limit: 100 }, user),
  ]);
  // Surfaces with Compliance transcripts but no OTel session in the same window: telemetry gaps.
  const otelSources = new Set(otel.map((s) => s.source));
  const timeline = personTimeline(otel, transcripts, activity.rows);
  const gaps = [...new Set(transcripts.map((t) => t.productSurface ?? ""))].filter((s) => OTEL_SOURCE_FOR_SURFACE[s] && !otelSources.has(OTEL_SOURCE_FOR_SURFACE[s]));

  return (
    <div className="mx-auto max-w-7xl">
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-500 dark:text-slate-400">
        <Link className="link" href="/compliance">Compliance activity</Link> / Person
      </nav>
      <h1 className="text-lg font-semibold tracking-tight">{person.displayName ?? person.emails[0] ?? key}</h1>
      <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">{window.label}</p>
      {gaps.length > 0 && (
        <p role="status" className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          Transcripts exist in the Compliance API for {gaps.join(", ")} but no OpenTelemetry arrived from that surface in this window: check the client's telemetry settings (for Cowork, the egress allowlist).
        </p>
      )}
      <div className="mt-4 grid gap-4 lg:grid-cols-3">
        <Card title="Identifiers">
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
            <dt className="text-slate-500">Emails</dt>
            <dd className="[overflow-wrap:anywhere]">
              {person.emails.length ? person.emails.map((e) => <PivotMenu key={e} field="user" value={e}>{e}</PivotMenu>) : "–"}
            </dd>
            <dt className="text-slate-500">Account</dt>
            <dd className="font-mono [overflow-wrap:anywhere]">{person.accountIds.join(", ") || "–"}</dd>
            <dt className="text-slate-500">UUID</dt>
            <dd className="font-mono [overflow-wrap:anywhere]">{person.accountUuids.join(", ") || "–"}</dd>
            <dt className="text-slate-500">Orgs</dt>
            <dd className="font-mono [overflow-wrap:anywhere]">{person.organizationIds.join(", ") || "–"}</dd>
            <dt className="text-slate-500">Devices</dt>
            <dd className="font-mono [overflow-wrap:anywhere]">{person.deviceIds.map((d) => `${d.slice(0, 12)}…`).join(", ") || "–"}</dd>
            {person.roles.length > 0 && (<><dt className="text-slate-500">Roles</dt><dd>{person.roles.join(", ")}</dd></>)}
          </dl>
        </Card>
        <Card title="Seen in">
          <ul className="space-y-1 text-xs">
            {person.sources.map((s) => (
              <li key={s.source} className="flex flex-wrap items-center justify-between gap-2">
                <span className="font-mono">{s.source}</span>
                <span className="text-slate-500">{s.lastSeen ? `last ${formatTime(s.lastSeen)}` : ""}</span>
              </li>
            ))}
          </ul>
        </Card>
        <Card title="Compliance transcripts">
          {transcripts.length === 0 ? (
            <p className="text-xs text-slate-500">None in this window.</p>
          ) : (
            <ul className="space-y-1 text-xs">
              {transcripts.slice(0, 12).map((t) => (
                <li key={t.id} className="flex flex-wrap items-center gap-2">
                  <span className="font-mono">{t.id}</span>
                  {t.productSurface && <Badge tone="violet">{t.productSurface}</Badge>}
                  <span className="text-slate-500">{formatCount(t.messages)} messages · {formatTime(t.createdAt)}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <section className="mt-6" aria-labelledby="person-timeline">
        <h2 id="person-timeline" className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
          Timeline: {otel.length} OpenTelemetry sessions, {transcripts.length} Compliance transcripts, {activity.rows.length}{activity.nextCursor ? "+" : ""} Compliance activities
        </h2>
        {timeline.length === 0 ? (
          <p className="text-xs text-slate-500">Nothing from this person in this window.</p>
        ) : (
          <Table>
            <THead>
              <tr>
                <Th>Last activity</Th>
                <Th>Source</Th>
                <Th>What</Th>
                <Th numeric>Size</Th>
              </tr>
            </THead>
            <TBody>
              {timeline.map((entry) => (
                <Tr key={entry.kind === "session" ? `s-${entry.session.source}-${entry.session.sessionId}` : entry.kind === "transcript" ? `t-${entry.transcript.id}` : `a-${entry.activity.id}`} data-entry-kind={entry.kind}>
                  <Td nowrap mono muted>{formatTime(entry.time)}</Td>
                  <Entry entry={entry} />
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </section>

      <section className="mt-6">
        <h2 className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Compliance activity ({activity.rows.length}{activity.nextCursor ? "+" : ""})</h2>
        <ActivityTable rows={activity.rows} />
      </section>

      <section className="mt-6" aria-labelledby="privacy-heading">
        <h2 id="privacy-heading" className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">Privacy</h2>
        {user.isAdmin ? (
          <ErasePersonForm person={person.emails[0] ?? key} />
        ) : (
          <p role="note" className="text-xs text-slate-500">Only admins may export or erase what is stored about a person.</p>
        )}
      </section>
    </div>
  );
}
