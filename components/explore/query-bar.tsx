"use client";

import { useRouter } from "next/navigation";
import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { EXPLORE_PATH } from "@/lib/explore/url";
import { checkQuery } from "@/lib/query/compile";
import { ATTRIBUTE_FIELD_INFO, queryFields } from "@/lib/query/fields";
import { quoteValue } from "@/lib/query/terms";
import { completionContext, suggestionsFor, type QueryField, type Suggestion } from "@/lib/explore/query-completion";

// The Explorer's query bar: the query language in one line, bound to `q` in the URL (Enter runs
// it), with completion of field names and of their values (from the window's facets). A WAI-ARIA
// combobox: ↑/↓ move through the suggestions, Enter or Tab takes one, Esc closes the list.

export interface QueryError {
  message: string;
  /** 0-based character offset in the query. */
  position: number;
}

interface Props {
  /** The query in the URL. */
  query: string;
  /** Why the query in the URL cannot run (the server's check): shown under the bar with a caret. */
  error?: QueryError | null;
  /** Content fields (command, path, prompt text) and free text are offered and accepted only for readers of content. */
  canReadContent: boolean;
  /** Known values per query field (facets of the current window). */
  values: Record<string, string[]>;
  /** The other parameters of the view, kept when the query changes (range, sort, page size). */
  keep: Record<string, string>;
}

const MAX_SUGGESTIONS = 12;

/** The query language's event fields (lib/query/fields.ts) this reader may search, for completion. */
function completionFields(canReadContent: boolean): QueryField[] {
  return [...queryFields("events"), ATTRIBUTE_FIELD_INFO]
    .filter((f) => canReadContent || !f.content)
    .map((f) => ({ name: f.name === ATTRIBUTE_FIELD_INFO.name ? "attr." : f.name, type: f.type, description: f.description }));
}

export function QueryBar({ query, error, canReadContent, values, keep }: Props) {
  const router = useRouter();
  const id = useId();
  const listId = `${id}-list`;
  const inputRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(query);
  const [caret, setCaret] = useState(query.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [localError, setLocalError] = useState<QueryError | null>(null);
  const [fields] = useState(() => completionFields(canReadContent));

  const context = completionContext(text, caret);
  const suggestions: Suggestion[] = open ? suggestionsFor(context, fields, values).slice(0, MAX_SUGGESTIONS) : [];
  const activeIndex = Math.min(active, suggestions.length - 1);
  // The error belongs to the query in the URL; once edited, it no longer points at the right place.
  const shownError = localError ?? (error && text === query ? error : null);
  const errorText = localError ? text : query;

  const run = (q: string) => {
    // The same check the server makes: a query that cannot run says why here, and the view stays.
    const problem = checkQuery(q, "events", canReadContent);
    if (problem) {
      setLocalError({ message: problem.message, position: problem.position });
      setOpen(false);
      return;
    }
    setLocalError(null);
    const params = new URLSearchParams(keep);
    if (q.trim()) params.set("q", q.trim());
    setOpen(false);
    router.push(`${EXPLORE_PATH}${params.size ? `?${params}` : ""}`);
  };

  const accept = (s: Suggestion) => {
    const sign = context.negated ? "-" : "";
    // `attr.` continues with an attribute key; every other field with its value.
    const insert = s.kind === "field" ? `${sign}${s.value}${s.value.endsWith(".") ? "" : ":"}` : `${sign}${context.field}:${quoteValue(s.value)} `;
    const next = text.slice(0, context.start) + insert + text.slice(context.end);
    const pos = context.start + insert.length;
    setText(next);
    setCaret(pos);
    setActive(0);
    setOpen(s.kind === "field"); // after a field, offer its values
    requestAnimationFrame(() => inputRef.current?.setSelectionRange(pos, pos));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (!open) setOpen(true);
      else if (suggestions.length) setActive((activeIndex + 1) % suggestions.length);
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (suggestions.length) setActive((activeIndex - 1 + suggestions.length) % suggestions.length);
    } else if ((e.key === "Enter" || e.key === "Tab") && open && suggestions[activeIndex]) {
      e.preventDefault();
      accept(suggestions[activeIndex]);
    } else if (e.key === "Escape") {
      if (open && suggestions.length) {
        e.preventDefault(); // the list closes; the row panel stays
        e.stopPropagation();
        setOpen(false);
      }
    }
  };

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    run(text);
  };

  const errorId = `${id}-error`;
  return (
    <form role="search" aria-label="Query events" onSubmit={onSubmit} className="relative flex min-w-0 flex-1 items-start gap-2">
      <div className="relative min-w-0 flex-1">
        <label htmlFor={`${id}-q`} className="sr-only">
          Query
        </label>
        <input
          ref={inputRef}
          id={`${id}-q`}
          name="q"
          type="text"
          role="combobox"
          aria-expanded={suggestions.length > 0}
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={suggestions.length > 0 ? `${listId}-${activeIndex}` : undefined}
          aria-invalid={shownError ? true : undefined}
          aria-describedby={shownError ? errorId : undefined}
          data-testid="query-input"
          value={text}
          placeholder='tool:Bash -decision:accept, "config/app.env", user:ana@example.com and cost>0.05'
          spellCheck={false}
          autoComplete="off"
          className={`field w-full py-1.5 font-mono text-xs ${shownError ? "border-red-400 focus:border-red-500 dark:border-red-700" : ""}`}
          onChange={(e) => {
            setLocalError(null);
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setActive(0);
            setOpen(true);
          }}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? text.length)}
          onFocus={() => setOpen(true)}
          onBlur={() => setOpen(false)}
          onKeyDown={onKeyDown}
        />
        {suggestions.length > 0 && (
          <ul
            id={listId}
            role="listbox"
            aria-label={context.field ? `Values of ${context.field}` : "Fields"}
            className="absolute left-0 right-0 z-40 mt-1 max-h-80 overflow-y-auto rounded-md border border-slate-200 bg-white py-1 text-xs shadow-lg dark:border-slate-700 dark:bg-slate-900"
          >
            {suggestions.map((s, i) => (
              <li
                key={`${s.kind}:${s.value}`}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === activeIndex}
                className={`flex cursor-pointer items-baseline gap-2 px-3 py-1 ${i === activeIndex ? "bg-sky-100 dark:bg-sky-900/60" : ""}`}
                // mousedown, not click: the input must not lose focus (and close the list) first
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(s);
                }}
                onMouseEnter={() => setActive(i)}
              >
                <span className="font-mono text-slate-900 dark:text-slate-100">{s.value}</span>
                {s.kind === "field" && <span className="rounded bg-slate-100 px-1 text-[10px] text-slate-500 dark:bg-slate-800 dark:text-slate-400">{s.type}</span>}
                {s.description && <span className="min-w-0 flex-1 truncate text-slate-500 dark:text-slate-400">{s.description}</span>}
              </li>
            ))}
          </ul>
        )}
        {shownError && (
          <div id={errorId} role="alert" data-query-error-position={shownError.position} className="mt-1 text-xs text-red-700 dark:text-red-400">
            <pre aria-hidden="true" className="overflow-hidden whitespace-pre font-mono text-[11px] leading-tight" data-testid="query-error-caret">
              {errorText}
              {"\n"}
              {" ".repeat(Math.max(0, Math.min(shownError.position, errorText.length)))}^
            </pre>
            <p data-testid="query-error">{shownError.message}</p>
          </div>
        )}
      </div>
      <button type="submit" className="btn-primary py-1.5 text-xs">
        Search
      </button>
      <SyntaxHelp />
    </form>
  );
}

function SyntaxHelp() {
  const rows: Array<[string, string]> = [
    ["rm -rf", "free text: events whose content holds both words"],
    ['"config/app.env"', "an exact phrase"],
    ["tool:Bash", "a field equals a value"],
    ["-decision:accept", "not (also: not decision:accept)"],
    ["command:*curl*", "wildcards * and ?"],
    ["tool:Bash or tool:Edit", "either; and binds tighter than or"],
    ["(a or b) and c", "parentheses group"],
    ["cost>0.05  duration_ms<=100", "numeric comparisons"],
    ["time>=2026-11-22", "times (UTC)"],
  ];
  return (
    <details className="relative">
      <summary className="btn-secondary cursor-pointer list-none py-1.5 text-xs [&::-webkit-details-marker]:hidden" aria-label="Query syntax help">
        ?
      </summary>
      <div className="absolute right-0 z-40 mt-1 w-[26rem] rounded-md border border-slate-200 bg-white p-3 text-xs shadow-lg dark:border-slate-700 dark:bg-slate-900">
        <p className="mb-2 font-semibold">Query syntax</p>
        <table className="w-full">
          <tbody>
            {rows.map(([example, meaning]) => (
              <tr key={example}>
                <td className="whitespace-nowrap py-0.5 pr-3 font-mono text-sky-800 dark:text-sky-300">{example}</td>
                <td className="py-0.5 text-slate-600 dark:text-slate-400">{meaning}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="mt-2 text-slate-500 dark:text-slate-400">Type a field name for suggestions; ↑ ↓ choose, Enter or Tab takes one, Esc closes the list.</p>
      </div>
    </details>
  );
}
