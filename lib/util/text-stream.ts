import { describeError } from "@/lib/ingest/db-errors";

/**
 * A generator of text chunks as a byte stream, pulled as the client reads (so a large export never
 * sits in memory). A failure mid-way ends the stream with an error, logged by class only: the
 * chunks are telemetry.
 */
export function textStream(chunks: AsyncGenerator<string, void, unknown>, label: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done) controller.close();
        else if (next.value.length > 0) controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        console.error(`[${label}] export failed: ${describeError(err)}`);
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}
