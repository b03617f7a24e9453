import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// The memory a process really holds, for the tests and scripts that measure what a request keeps.

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** V8 heap used + external after full collections (twice, a turn apart: array buffers are freed after the collection that finds them dead). */
export async function liveBytes(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 20));
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}
