// Next.js calls register() once when a server instance starts. In the app server that the
// launcher runs (BLINDSPOT_LAUNCHED), it starts the background loop: the Compliance API
// connector's first pull right away, then every poll interval, through the Postgres job queue.
// Imports are dynamic and behind the runtime check so the edge bundle never pulls in pg.

export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs" || !process.env.BLINDSPOT_LAUNCHED) return;
  const { startBackgroundWork } = await import("./lib/jobs/scheduler");
  startBackgroundWork({ stopOnSignals: true });
}
