-- Sign-in attempt counters, shared by every app instance: the table layout rate-limiter-flexible's
-- RateLimiterPostgres uses (created here, so the app never creates tables at run time).

-- CreateTable
CREATE TABLE "signin_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "signin_limits_pkey" PRIMARY KEY ("key")
);
