// A background subagent (the Task/Agent tool run in the background, Claude Code 2.1.332) reports
// back to its session as a new user_prompt whose text is a <task-notification> element, with a
// prompt.id of its own. It is the subagent's result, not something the person typed.

export interface SubagentReport {
  taskId: string | null;
  status: string | null;
  summary: string | null;
  result: string | null;
}

/** Where a subagent report came from: the prompt (and, when known, the tool call) that started it. */
export interface SubagentOrigin {
  promptId: string;
  eventId: string | null;
  label: string;
}

/** SQL: the user_prompt row's text is a task notification (a boolean; reveals no content). */
export const IS_SUBAGENT_REPORT_SQL = `(ltrim(attributes->>'prompt') LIKE '<task-notification>%')`;

const START = /^\s*<task-notification>/;

function element(text: string, name: string): string | null {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(text);
  const v = m?.[1].trim();
  return v ? v : null;
}

/** The report in a user_prompt's text, or null when the text is not a task notification. */
export function subagentReport(promptText: string | null | undefined): SubagentReport | null {
  if (!promptText || !START.test(promptText)) return null;
  return {
    taskId: element(promptText, "task-id"),
    status: element(promptText, "status"),
    summary: element(promptText, "summary"),
    result: element(promptText, "result"),
  };
}
