// The exact client settings that send telemetry to this Blindspot (printed at start, and the
// basis of the setup page). Base URL is what clients can reach, e.g. https://blindspot.example.

export function otlpBase(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/api/otlp`;
}

export function claudeCodeEnv(baseUrl: string, token: string, protocol: "http/protobuf" | "http/json" = "http/protobuf") {
  return {
    CLAUDE_CODE_ENABLE_TELEMETRY: "1",
    OTEL_LOGS_EXPORTER: "otlp",
    OTEL_METRICS_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpBase(baseUrl),
    OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer ${token}`,
  };
}

/** Shell lines for a developer's machine. */
export function claudeCodeShell(baseUrl: string, token: string): string {
  return Object.entries(claudeCodeEnv(baseUrl, token))
    .map(([k, v]) => `export ${k}=${/[\s=]/.test(v) ? `"${v}"` : v}`)
    .join("\n");
}

/** managed-settings.json for MDM: values there cannot be overridden locally. */
export function claudeCodeManagedSettings(baseUrl: string, token: string): string {
  return JSON.stringify(
    { env: { ...claudeCodeEnv(baseUrl, token), OTEL_LOG_USER_PROMPTS: "1", OTEL_LOG_TOOL_DETAILS: "1" } },
    null,
    2,
  );
}
