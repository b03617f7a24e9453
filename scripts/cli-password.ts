import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

// Where `users create` gets a password: BLINDSPOT_USER_PASSWORD for scripts; typed twice at a
// hidden prompt when a person runs it in a terminal (Enter on an empty prompt generates one);
// otherwise generated. A generated password is printed once, as tokens are.

export interface CliPassword {
  password: string;
  generated: boolean;
}

function askHidden(question: string): Promise<string> {
  // The answer is not echoed: readline writes through this stream, which drops everything after
  // the question itself.
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

export async function cliPassword(env: NodeJS.ProcessEnv = process.env): Promise<CliPassword> {
  if (env.BLINDSPOT_USER_PASSWORD) return { password: env.BLINDSPOT_USER_PASSWORD, generated: false };
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const first = await askHidden("Password (at least 12 characters; Enter to generate one): ");
    if (first !== "") {
      const again = await askHidden("Password again: ");
      if (again !== first) throw new Error("the two passwords differ");
      return { password: first, generated: false };
    }
  }
  return { password: randomBytes(15).toString("base64url"), generated: true };
}
