// Real-looking secrets for the masking tests, generated from a fixed seed so that no real
// credential (and no string a push-protection scanner recognises verbatim) sits in the repository.

const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = "0123456789abcdef";
const B64 = ALNUM + "+/";
const B64URL = ALNUM + "-_";

/** A deterministic generator (mulberry32). */
export function seeded(seed: number): (alphabet: string, n: number) => string {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (alphabet, n) => Array.from({ length: n }, () => alphabet[Math.floor(next() * alphabet.length)]).join("");
}

const b64url = (s: string) => Buffer.from(s).toString("base64url");

export interface SecretSample {
  /** The kind the scanner must report. */
  kind: string;
  /** The secret itself (what must never be stored). */
  secret: string;
  /** What the marker's fingerprint is computed over, when not `secret` (a private key's whole body). */
  fingerprinted?: string;
  /** How it appears in content. */
  text: string;
}

/** One sample of each kind the masking tests cover, from `seed` (two seeds give two different sets). */
export function secretSamples(seed = 1): Record<string, SecretSample> {
  const r = seeded(seed);
  const awsKeyId = "AKIA" + r(UPPER + DIGITS, 16);
  const awsSecret = r(B64, 40);
  const github = "gh" + "p_" + r(ALNUM, 36);
  const anthropic = "sk-ant-" + "api03-" + r(B64URL, 93) + "AA";
  const keyBody = "MII" + r(B64, 1597);
  const pem = ["-----BEGIN RSA PRIVATE KEY-----", ...(keyBody.match(/.{1,64}/g) ?? []), "-----END RSA PRIVATE KEY-----"].join("\n");
  const jwt = [b64url('{"alg":"HS256","typ":"JWT"}'), b64url(`{"sub":"${r(DIGITS, 10)}","name":"svc","iat":1733300000}`), r(B64URL, 43)].join(".");
  const dbPassword = r(ALNUM, 18);
  const envSecret = r(ALNUM, 32);
  return {
    "aws-access-key": { kind: "aws-access-key", secret: awsKeyId, text: `aws configure set aws_access_key_id ${awsKeyId}` },
    "aws-secret-key": { kind: "aws-secret-key", secret: awsSecret, text: `export AWS_SECRET_ACCESS_KEY=${awsSecret}` },
    "github-token": { kind: "github-token", secret: github, text: `git clone https://github.com/acme/infra.git # token ${github}` },
    "anthropic-api-key": { kind: "anthropic-api-key", secret: anthropic, text: `ANTHROPIC_API_KEY is ${anthropic}` },
    "private-key": { kind: "private-key", secret: keyBody.slice(0, 64), fingerprinted: keyBody, text: `cat ~/.ssh/deploy.pem\n${pem}\n` },
    jwt: { kind: "jwt", secret: jwt, text: `curl -H "X-Session: ${jwt}" https://api.internal/v1/me` },
    "connection-string": {
      kind: "connection-string", secret: dbPassword, text: `psql postgres://app_rw:${dbPassword}@db-prod.internal:5432/orders`,
    },
    "env-secret": { kind: "env-secret", secret: envSecret, text: `# .env\nNODE_ENV=production\nSESSION_SECRET=${envSecret}\nPORT=8080\n` },
  };
}

/** Values that look like tokens but are not secrets: none may be masked. */
export const BENIGN_LOOKALIKES: readonly string[] = [
  "550e8400-e29b-41d4-a716-446655440000", // a UUID (session ids, prompt ids)
  "commit 9fceb02d0ae598e95dc970b74767f19372d61af8\nAuthor: Alice <alice@example.com>", // git output
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  package.tgz", // sha256sum
  "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7", // W3C trace and span ids
  "toolu_01XFDUDYJgAACzvnptvVoYEL msg_01AbCdEfGhIjKlMnOpQrStUv req_011CTgWf3b4Zx9Yq2LmNpR7s", // API object ids
  "aGVsbG8gd29ybGQsIHRoaXMgaXMgYSB0ZXN0Cg==", // base64 of a short text
  "/Users/alice/Projects/blindspot/lib/secrets/scan.ts:42:7", // a file path
  '"integrity": "sha512-Xb4k2nQ9vL7mP3rT8wY1zA6cE5fH0jKabcDEFghiJKLmnoPQRstuVWXyz0123456789abcdEFGHijklMNOPqr=="', // npm lockfile
  "Authorization: Bearer $GITHUB_TOKEN", // a reference, not a value
  "DB_PASSWORD=changeme", // a placeholder
  "const handleUserLogin2FAResponse = useCallback(() => {}, []);", // code
  "https://github.com/anthropics/claude-code/blob/main/README.md", // a URL without credentials
];
