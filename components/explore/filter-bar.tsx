"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { FormEvent, ReactNode } from "react";
import { sourceLabel } from "@/lib/domain/vocabulary";
import { exploreHref, EXPLORE_PATH } from "@/lib/explore/url";

// The Explorer's filters: a GET form (it works without JavaScript too) whose submit becomes a
// client navigation with the empty fields left out, so the URL carries exactly the state.

export interface FilterValues {
  source: string;
  name: string;
  user: string;
  tool: string;
  mcpServer: string;
  decisionSource: string;
  decision: string;
  success: string;
  from: string;
  to: string;
  limit: string;
}

export interface FilterOptions {
  sources: string[];
  eventNames: string[];
  tools: string[];
  mcpServers: string[];
  decisionSources: string[];
}

interface Props {
  values: FilterValues;
  options: FilterOptions;
  /** Carried along unchanged: time range and sort order. */
  keep: Record<string, string>;
  pageSizes: readonly number[];
  defaultPageSize: number;
  /** Explorer URL without filters (same range). */
  resetHref: string;
}

const FIELD_SIZES = {
  normal: "min-w-32 flex-[1_1_8rem]",
  wide: "min-w-48 flex-[2_1_12rem]",
  time: "w-48 flex-none",
  small: "w-24 flex-none",
} as const;

function Field({ label, htmlFor, children, size = "normal" }: { label: string; htmlFor: string; children: ReactNode; size?: keyof typeof FIELD_SIZES }) {
  return (
    <div className={`flex flex-col gap-0.5 ${FIELD_SIZES[size]}`}>
      <label htmlFor={htmlFor} className="text-[11px] font-medium text-slate-500 dark:text-slate-400">
        {label}
      </label>
      {children}
    </div>
  );
}

function Select({ id, name, value, values, anyLabel, label }: {
  id: string;
  name: string;
  value: string;
  values: string[];
  anyLabel: string;
  label?: (v: string) => string;
}) {
  // A value from the URL that the window's facets do not list still shows as selected.
  const all = value && !values.includes(value) ? [value, ...values] : values;
  return (
    <select id={id} name={name} defaultValue={value} className="field w-full py-1 text-xs">
      <option value="">{anyLabel}</option>
      {all.map((v) => (
        <option key={v} value={v}>
          {label ? label(v) : v}
        </option>
      ))}
    </select>
  );
}

const timeClass = "field w-full py-1 font-mono text-xs";

export function FilterBar({ values, options, keep, pageSizes, defaultPageSize, resetHref }: Props) {
  const router = useRouter();

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(e.currentTarget)) {
      if (typeof v !== "string") continue;
      const value = v.trim();
      if (value === "" || (k === "limit" && value === String(defaultPageSize))) continue;
      next.set(k, value);
    }
    router.push(exploreHref(next));
  };

  return (
    <form method="get" action={EXPLORE_PATH} onSubmit={onSubmit} role="search" aria-label="Filter events" className="rounded-lg border border-slate-200 bg-white px-3 py-2.5 shadow-sm dark:border-slate-800 dark:bg-slate-900">
      {Object.entries(keep).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      <div className="flex flex-wrap items-end gap-x-2.5 gap-y-2">
        <Field label="Source" htmlFor="f-source">
          <Select id="f-source" name="source" value={values.source} values={options.sources} anyLabel="Any source" label={sourceLabel} />
        </Field>
        <Field label="Event" htmlFor="f-name">
          <Select id="f-name" name="name" value={values.name} values={options.eventNames} anyLabel="Any event" />
        </Field>
        <Field label="User" htmlFor="f-user" size="wide">
          <input
            id="f-user"
            name="user"
            type="search"
            defaultValue={values.user}
            placeholder="Email, user or account id"
            className="field w-full py-1 text-xs"
            spellCheck={false}
            autoComplete="off"
          />
        </Field>
        <Field label="Tool" htmlFor="f-tool">
          <Select id="f-tool" name="tool" value={values.tool} values={options.tools} anyLabel="Any tool" />
        </Field>
        <Field label="MCP server" htmlFor="f-mcp">
          <Select id="f-mcp" name="mcpServer" value={values.mcpServer} values={options.mcpServers} anyLabel="Any server" />
        </Field>
        <Field label="Decided by" htmlFor="f-dsource">
          <Select id="f-dsource" name="decisionSource" value={values.decisionSource} values={options.decisionSources} anyLabel="Any source" />
        </Field>
        <Field label="Decision" htmlFor="f-decision">
          <Select id="f-decision" name="decision" value={values.decision} values={["accept", "reject"]} anyLabel="Any decision" />
        </Field>
        <Field label="Result" htmlFor="f-success">
          <select id="f-success" name="success" defaultValue={values.success} className="field w-full py-1 text-xs">
            <option value="">Any result</option>
            <option value="true">Succeeded</option>
            <option value="false">Failed</option>
          </select>
        </Field>
        <Field label="From (UTC)" htmlFor="f-from" size="time">
          <input id="f-from" name="from" type="text" inputMode="numeric" defaultValue={values.from} placeholder="YYYY-MM-DD HH:MM:SS" className={timeClass} spellCheck={false} autoComplete="off" />
        </Field>
        <Field label="To (UTC, exclusive)" htmlFor="f-to" size="time">
          <input id="f-to" name="to" type="text" inputMode="numeric" defaultValue={values.to} placeholder="YYYY-MM-DD HH:MM:SS" className={timeClass} spellCheck={false} autoComplete="off" />
        </Field>
        <Field label="Rows per page" htmlFor="f-limit" size="small">
          <select id="f-limit" name="limit" defaultValue={values.limit} className="field w-full py-1 text-xs">
            {pageSizes.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </Field>
        <div className="flex items-center gap-2">
          <button type="submit" className="btn-primary py-1 text-xs">
            Apply filters
          </button>
          <Link prefetch={false} href={resetHref} className="btn-secondary py-1 text-xs">
            Reset
          </Link>
        </div>
      </div>
    </form>
  );
}
