import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";

// Postgres extensions the migrations use, for every embedded (PGlite) instance: the app's
// database, backups being restored, and the schema engine's shadow databases. A server has
// them in its contrib package (Debian's postgresql includes pg_trgm).

/** Pass as `PGlite.create(dir, { extensions: PGLITE_EXTENSIONS })`. */
export const PGLITE_EXTENSIONS = { pg_trgm };
