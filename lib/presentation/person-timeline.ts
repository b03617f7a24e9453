import type { ActivityRow } from "@/lib/queries/compliance-activities";
import type { PersonSession, PersonTranscript } from "@/lib/queries/people";

// A person's footprint as one timeline, newest first: their OpenTelemetry sessions, their
// Compliance transcripts (each linked to the OTel sessions of the same surface it overlaps) and
// their Compliance activities. Silence in one source shows as a gap beside the others.

export type PersonTimelineEntry =
  | { kind: "session"; time: string; session: PersonSession }
  | { kind: "transcript"; time: string; transcript: PersonTranscript; sessions: PersonSession[] }
  | { kind: "activity"; time: string; activity: ActivityRow };

/** Which OTel source a Compliance transcript surface corresponds to. */
export const OTEL_SOURCE_FOR_SURFACE: Record<string, string> = { claude_code: "claude_code", cowork: "cowork", cowork_remote: "cowork" };

/** How far outside an OTel session a transcript may start and still be the same work. */
const OVERLAP_MS = 10 * 60_000;

export function personTimeline(otel: PersonSession[], transcripts: PersonTranscript[], activities: ActivityRow[]): PersonTimelineEntry[] {
  const entries: PersonTimelineEntry[] = [
    ...otel.map((s) => ({ kind: "session" as const, time: s.end, session: s })),
    ...transcripts.map((t) => {
      const source = t.productSurface ? OTEL_SOURCE_FOR_SURFACE[t.productSurface] : undefined;
      const begin = Date.parse(t.createdAt);
      const end = Date.parse(t.updatedAt ?? t.createdAt);
      const sessions = source
        ? otel.filter((s) => s.source === source && Date.parse(s.start) - OVERLAP_MS <= end && begin <= Date.parse(s.end) + OVERLAP_MS)
        : [];
      return { kind: "transcript" as const, time: t.updatedAt ?? t.createdAt, transcript: t, sessions };
    }),
    ...activities.map((a) => ({ kind: "activity" as const, time: a.createdAt, activity: a })),
  ];
  return entries.sort((a, b) => b.time.localeCompare(a.time));
}
