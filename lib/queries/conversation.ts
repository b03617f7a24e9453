import { getPool } from "@/lib/db/pool";
import { EVENT } from "@/lib/domain/vocabulary";
import { userTaggedId } from "@/lib/identity/tagged-id";
import type { JsonValue } from "@/lib/otlp/values";
import type { ApiEvent } from "./events";

// What was said next to what was done: for one OTel prompt, the matching Compliance session
// transcript (the user's message, Claude's reply) and, per tool call, the transcript's tool_use
// input and tool_result content, matched by tool_use_id. Where nothing matches, say why.

/** Transcript surfaces for each OTel source. */
const SURFACES: Record<string, string[]> = {
  claude_code: ["claude_code"],
  cowork: ["cowork", "cowork_remote"],
  claude_desktop: ["claude_code", "cowork"],
};

/** How far a transcript message may be from the OTel prompt's first event and still be it. */
const TIME_WINDOW_MS = 5 * 60_000;

export type NoMatchReason =
  | "no_compliance_data" // nothing pulled or imported for this tenant
  | "no_identity" // API key / Bedrock / Vertex: no Claude account on the telemetry, and such usage is absent from the Compliance API
  | "different_surface" // a source the Compliance API has no transcripts for
  | "not_captured"; // the person is known but no transcript covers this prompt (yet)

export const NO_MATCH_TEXT: Record<NoMatchReason, string> = {
  no_compliance_data: "No Compliance API data for this tenant: configure the connector or import an export.",
  no_identity: "This client sent no Claude account identity (API key, Bedrock, Vertex or Foundry deployment); such usage is not in the Compliance API.",
  different_surface: "The Compliance API keeps no transcripts for this surface.",
  not_captured: "No transcript in the Compliance API covers this prompt (not captured, not yet pulled, or a deployment the Compliance API does not see).",
};

export interface TranscriptMessage {
  id: string;
  role: string;
  createdAt: string;
  text: string | null;
}

export interface ToolMatch {
  toolUseId: string;
  toolUse: { messageId: string; name: string | null; input: string | null; truncated: boolean } | null;
  toolResult: { messageId: string; content: JsonValue; isError: boolean | null; truncated: boolean } | null;
}

export interface PromptConversation {
  matched: boolean;
  reason: NoMatchReason | null;
  reasonText: string | null;
  session: { id: string; kind: string; productSurface: string | null } | null;
  userMessage: TranscriptMessage | null;
  reply: TranscriptMessage[];
  tools: ToolMatch[];
  /** Content (texts, inputs, results) was removed for a reader without content access. */
  contentHidden: boolean;
}

interface MessageRow {
  id: string;
  role: string;
  created_at: Date;
  text: string | null;
  ordinal: number;
}

function unmatched(reason: NoMatchReason, tools: ToolMatch[] = []): PromptConversation {
  return { matched: false, reason, reasonText: NO_MATCH_TEXT[reason], session: null, userMessage: null, reply: [], tools, contentHidden: false };
}

export async function promptConversation(tenantId: string, events: ApiEvent[], canReadContent: boolean): Promise<PromptConversation> {
  const pool = getPool();
  const toolUseIds = [...new Set(events.map((e) => e.toolUseId).filter((x): x is string => Boolean(x)))];
  const first = events[0];
  const promptEvent = events.find((e) => e.name === EVENT.userPrompt);
  const promptTime = Date.parse((promptEvent ?? first).timestamp);

  const blocks = toolUseIds.length
    ? await pool.query<{ tool_use_id: string; kind: string; message_id: string; session_id: string; name: string | null; input: string | null; content: JsonValue; is_error: boolean | null; truncated: boolean }>(
        `SELECT tool_use_id, kind, message_id, session_id, name, input, content, is_error, truncated
         FROM compliance_tool_blocks WHERE tenant_id = $1 AND tool_use_id = ANY($2)`,
        [tenantId, toolUseIds],
      )
    : { rows: [] };
  const tools: ToolMatch[] = toolUseIds
    .map((id) => {
      const use = blocks.rows.find((b) => b.tool_use_id === id && b.kind === "tool_use");
      const res = blocks.rows.find((b) => b.tool_use_id === id && b.kind === "tool_result");
      return {
        toolUseId: id,
        toolUse: use ? { messageId: use.message_id, name: use.name, input: use.input, truncated: use.truncated } : null,
        toolResult: res ? { messageId: res.message_id, content: res.content, isError: res.is_error, truncated: res.truncated } : null,
      };
    })
    .filter((t) => t.toolUse || t.toolResult);

  // The session: the one the tool blocks live in, else the person's session of this surface
  // with a user message closest to the prompt's time.
  let sessionId: string | null = blocks.rows[0]?.session_id ?? null;
  if (!sessionId) {
    const any = await pool.query(`SELECT 1 FROM compliance_sessions WHERE tenant_id = $1 LIMIT 1`, [tenantId]);
    if (!any.rowCount) {
      const activities = await pool.query(`SELECT 1 FROM compliance_activities WHERE tenant_id = $1 LIMIT 1`, [tenantId]);
      return unmatched(activities.rowCount ? "not_captured" : "no_compliance_data", tools);
    }
    const surfaces = SURFACES[first.source];
    if (!surfaces) return unmatched("different_surface", tools);
    const accountUuid = first.user.accountUuid;
    const email = first.user.email;
    if (!accountUuid && !email) return unmatched("no_identity", tools);
    const candidates = await pool.query<{ session_id: string; created_at: Date; text: string | null }>(
      `SELECT m.session_id, m.created_at, m.text FROM compliance_session_messages m
       JOIN compliance_sessions s ON s.tenant_id = m.tenant_id AND s.id = m.session_id
       WHERE m.tenant_id = $1 AND m.role = 'user' AND m.created_at BETWEEN $2 AND $3
         AND s.product_surface = ANY($4) AND (s.user_id = $5 OR s.user_email = $6)`,
      [tenantId, new Date(promptTime - TIME_WINDOW_MS), new Date(promptTime + TIME_WINDOW_MS), surfaces,
        accountUuid ? userTaggedId(accountUuid) : null, email?.toLowerCase() ?? null],
    );
    const promptText = typeof promptEvent?.attributes.prompt === "string" ? promptEvent.attributes.prompt : null;
    const best = candidates.rows
      .map((c) => ({ c, score: (promptText && c.text?.trim() === promptText.trim() ? 0 : TIME_WINDOW_MS) + Math.abs(c.created_at.getTime() - promptTime) }))
      .sort((a, b) => a.score - b.score)[0];
    if (!best) return unmatched("not_captured", tools);
    sessionId = best.c.session_id;
  }

  const [sessionRow, messages] = await Promise.all([
    pool.query<{ id: string; kind: string; product_surface: string | null }>(`SELECT id, kind, product_surface FROM compliance_sessions WHERE tenant_id = $1 AND id = $2`, [tenantId, sessionId]),
    pool.query<MessageRow>(`SELECT id, role, created_at, text, ordinal FROM compliance_session_messages WHERE tenant_id = $1 AND session_id = $2 ORDER BY ordinal`, [tenantId, sessionId]),
  ]);

  // The user's message: a user turn with text (tool results are user turns without text),
  // nearest in time to the prompt. The reply: assistant text until the next such user turn.
  const userTurns = messages.rows.filter((m) => m.role === "user" && m.text);
  const userMessage = userTurns.sort((a, b) => Math.abs(a.created_at.getTime() - promptTime) - Math.abs(b.created_at.getTime() - promptTime))[0] ?? null;
  const reply: MessageRow[] = [];
  if (userMessage) {
    for (const m of messages.rows.filter((x) => x.ordinal > userMessage.ordinal)) {
      if (m.role === "user" && m.text) break;
      if (m.role === "assistant" && m.text) reply.push(m);
    }
  }
  const toMessage = (m: MessageRow): TranscriptMessage => ({ id: m.id, role: m.role, createdAt: m.created_at.toISOString(), text: canReadContent ? m.text : null });
  const s = sessionRow.rows[0];
  return {
    matched: true,
    reason: null,
    reasonText: null,
    session: s ? { id: s.id, kind: s.kind, productSurface: s.product_surface } : { id: sessionId, kind: "local", productSurface: null },
    userMessage: userMessage ? toMessage(userMessage) : null,
    reply: reply.map(toMessage),
    tools: canReadContent
      ? tools
      : tools.map((t) => ({
          ...t,
          toolUse: t.toolUse ? { ...t.toolUse, input: null } : null,
          toolResult: t.toolResult ? { ...t.toolResult, content: null } : null,
        })),
    contentHidden: !canReadContent,
  };
}
