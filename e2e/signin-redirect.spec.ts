import { expect, test } from "@playwright/test";
import { E2E } from "../playwright.config";

// Open redirect after sign-in: a link like /login?callbackUrl=/%5Cevil.tld must not send the
// person who signs in to another site. Requests to the host evil.tld are caught and recorded, so a
// regression shows as a recorded request rather than a DNS error.

for (const callback of ["/%5Cevil.tld", "/%09/evil.tld", "//evil.tld", "https://evil.tld/"]) {
  test(`signing in at /login?callbackUrl=${callback} stays on this app`, async ({ page, context }) => {
    const offsite: string[] = [];
    await context.route((url) => url.hostname.endsWith("evil.tld"), async (route) => {
      offsite.push(route.request().url());
      await route.fulfill({ status: 200, contentType: "text/html", body: "<h1>evil</h1>" });
    });
    await page.goto(`/login?callbackUrl=${callback}`);
    await page.getByLabel("Email").fill(E2E.adminEmail);
    await page.getByLabel("Password").fill(E2E.adminPassword);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => !u.pathname.startsWith("/login") || u.hostname.includes("evil"));
    expect(offsite).toEqual([]);
    const landed = new URL(page.url());
    expect(landed.origin).toBe(new URL(E2E.baseURL).origin);
    expect(landed.pathname).toBe("/");
    // Signed in, the front page is the console's home.
    await expect(page.getByRole("heading", { name: "Home", level: 1 })).toBeVisible();
  });
}
