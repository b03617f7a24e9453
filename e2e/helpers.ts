import { expect, type Page } from "@playwright/test";
import { E2E } from "../playwright.config";

export type E2ERole = "admin" | "analyst" | "manager" | "other-tenant";

const CREDENTIALS: Record<E2ERole, { email: string; password: string }> = {
  admin: { email: E2E.adminEmail, password: E2E.adminPassword },
  analyst: { email: E2E.analystEmail, password: E2E.userPassword },
  manager: { email: E2E.managerEmail, password: E2E.userPassword },
  "other-tenant": { email: E2E.otherTenantEmail, password: E2E.userPassword },
};

/** Signs in through the login form, as a person would. */
export async function signIn(page: Page, role: E2ERole, next = "/explore"): Promise<void> {
  await page.goto(`/login?callbackUrl=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(CREDENTIALS[role].email);
  await page.getByLabel("Password").fill(CREDENTIALS[role].password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => u.pathname === next.split("?")[0]);
}

/** Fails the test on console errors or failed requests (collect, then assert at the end). */
export function watchForProblems(page: Page): () => void {
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on("response", (r) => {
    if (r.status() >= 500) problems.push(`${r.status()} ${r.url()}`);
  });
  return () => expect(problems).toEqual([]);
}

/** Saves a screenshot as a test artifact (test-results/screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
}
