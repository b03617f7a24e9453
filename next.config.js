// @ts-check
// Browser features the console never uses, denied to it and to anything injected into it.
const PERMISSIONS_POLICY = [
  "accelerometer", "camera", "display-capture", "geolocation", "gyroscope", "hid", "magnetometer",
  "microphone", "midi", "payment", "serial", "usb",
].map((feature) => `${feature}=()`).join(", ");

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The database drivers load native/wasm assets at run time; bundling them breaks PGlite.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "@prisma/adapter-pg", "protobufjs"],
  poweredByHeader: false,
  reactStrictMode: true,
  // forbidden() and forbidden.tsx: a role without access gets a 403 page that says so.
  experimental: { authInterrupts: true },
  async headers() {
    return [
      {
        source: "/:path*",
        // The same on every response; the CSP (per-response nonce) and HSTS (run-time public
        // URL) are set by proxy.ts through lib/security-headers.ts.
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "Referrer-Policy", value: "no-referrer" },
          { key: "Permissions-Policy", value: PERMISSIONS_POLICY },
          { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};
export default nextConfig;
