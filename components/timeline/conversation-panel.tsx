import { Badge } from "@/components/ui/badge";
import { ContentBlock } from "@/components/ui/raw-json";
import { formatTime } from "@/lib/presentation/format";
import type { PromptConversation } from "@/lib/queries/conversation";

// What was said, from the Compliance API, beside what was done (the OTel timeline below).
export function ConversationPanel({ conversation: c }: { conversation: PromptConversation }) {
  return (
    <section aria-labelledby="conversation-heading" className="mt-6">
      <h2 id="conversation-heading" className="mb-2 text-xs font-semibold uppercase tracking-wider text-slate-500 dark:text-slate-400">
        Conversation (Compliance API)
      </h2>
      {!c.matched ? (
        <p className="rounded-md border border-dashed border-slate-300 px-3 py-2 text-xs text-slate-600 dark:border-slate-700 dark:text-slate-300">
          No matching transcript. {c.reasonText}
          {c.tools.length > 0 && ` ${c.tools.length} tool call(s) were still matched by tool_use_id.`}
        </p>
      ) : (
        <div className="space-y-2 rounded-md border border-violet-200 bg-white p-3 dark:border-violet-900 dark:bg-slate-900">
          <p className="flex flex-wrap items-center gap-2 text-xs text-slate-500 dark:text-slate-400">
            Session transcript <span className="font-mono text-slate-800 dark:text-slate-200">{c.session?.id}</span>
            {c.session?.productSurface && <Badge tone="violet">{c.session.productSurface}</Badge>}
            {c.tools.length > 0 && <span>{c.tools.length} tool call(s) matched by tool_use_id</span>}
          </p>
          {c.userMessage && (
            <div>
              <div className="text-xs text-slate-500">
                User · <span className="font-mono">{c.userMessage.id}</span> · {formatTime(c.userMessage.createdAt)}
              </div>
              {c.userMessage.text !== null ? <ContentBlock>{c.userMessage.text}</ContentBlock> : <p className="text-xs text-slate-500">Text hidden for your role.</p>}
            </div>
          )}
          {c.reply.map((m) => (
            <div key={m.id}>
              <div className="text-xs text-slate-500">
                Claude · <span className="font-mono">{m.id}</span> · {formatTime(m.createdAt)}
              </div>
              {m.text !== null ? <ContentBlock>{m.text}</ContentBlock> : <p className="text-xs text-slate-500">Text hidden for your role.</p>}
            </div>
          ))}
          {!c.userMessage && c.reply.length === 0 && <p className="text-xs text-slate-500">The transcript has no text messages for this prompt.</p>}
        </div>
      )}
    </section>
  );
}
