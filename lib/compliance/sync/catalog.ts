// The streams the Compliance API sync pulls, what each needs and how often it runs.

export const STREAMS = ["activities", "chats", "sessions_local", "sessions_remote", "organizations", "users"] as const;
export type Stream = (typeof STREAMS)[number];

export const STREAM_LABELS: Record<Stream, string> = {
  activities: "Activity feed",
  chats: "Chats",
  sessions_local: "Local sessions",
  sessions_remote: "Remote sessions",
  organizations: "Organizations",
  users: "Users",
};

export const STREAM_DESCRIPTIONS: Record<Stream, string> = {
  activities: "sign-ins, admin changes, API use",
  chats: "claude.ai chats and messages",
  sessions_local: "Claude Code, Cowork, Office transcripts",
  sessions_remote: "Cowork cloud transcripts",
  organizations: "directory",
  users: "directory",
};

export const STREAM_SCOPE: Record<Stream, string> = {
  activities: "read:compliance_activities",
  chats: "read:compliance_user_data",
  sessions_local: "read:compliance_user_data",
  sessions_remote: "read:compliance_user_data",
  organizations: "read:compliance_org_data",
  users: "read:compliance_user_data",
};

/** Seconds between pulls of a stream unless forced: full walks and the directory change slowly. */
export const MIN_INTERVAL_SECONDS: Record<Stream, number> = { activities: 0, chats: 0, sessions_local: 0, sessions_remote: 300, organizations: 900, users: 900 };

export const DEFAULT_PAGE_SIZE: Record<Stream, number> = { activities: 5000, chats: 50, sessions_local: 50, sessions_remote: 50, organizations: 1000, users: 1000 };

/** Activity Feed rows become queryable about a minute after they happen (https://platform.claude.com/docs/en/manage-claude/compliance-api). */
export const DEFAULT_SETTLE_SECONDS = 60;

/** The job kind that runs a tenant's sync (lib/jobs). */
export const SYNC_JOB_KIND = "compliance.sync";
