// @ts-check
/** @type {import('next').NextConfig} */
const nextConfig = {
  // The database drivers load native/wasm assets at run time; bundling them breaks PGlite.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@prisma/adapter-pg", "protobufjs"],
  poweredByHeader: false,
  reactStrictMode: true,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "no-referrer" },
        ],
      },
    ];
  },
};
export default nextConfig;
