// A scripted stand-in for the Anthropic Messages API, for checking the real Claude Code CLI
// against Blindspot without network access: every request gets a short streamed text answer.
// Usage: tsx scripts/stub-messages-api.ts <port>
import http from "node:http";

const port = Number(process.argv[2] ?? 18999);
let n = 0;

function sse(res: http.ServerResponse, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

http
  .createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/v1/messages")) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: "not found" } }));
        return;
      }
      const model = (JSON.parse(body || "{}") as { model?: string }).model ?? "claude-sonnet-5";
      const id = `msg_stub_${++n}`;
      res.writeHead(200, { "content-type": "text/event-stream", "request-id": `req_stub_${n}` });
      sse(res, "message_start", { type: "message_start", message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } } });
      sse(res, "content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
      sse(res, "content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hello from the stub." } });
      sse(res, "content_block_stop", { type: "content_block_stop", index: 0 });
      sse(res, "message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: 6 } });
      sse(res, "message_stop", { type: "message_stop" });
      res.end();
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`stub Messages API on http://127.0.0.1:${port}`));
