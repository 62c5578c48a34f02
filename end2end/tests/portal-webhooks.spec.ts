import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "@playwright/test";
import { test } from "./helpers";
import { Webhook } from "standardwebhooks";
import { PARLOR_URL } from "./env";

const PASSWORD = "correct horse battery staple";

type Delivery = { headers: IncomingHttpHeaders; body: string };

/** A receiver on loopback (which the suite's PARLOR_OUTBOUND_ALLOW opens), like an owner's CRM. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close: () => void }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(200, { "Content-Type": "text/plain" }).end("thanks from the CRM");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/parlor`, deliveries, close: () => server.close() };
}

test("an owner adds a webhook in the portal, sends a test event, sees it delivered in the log and redelivers it", async ({
  page,
  context,
}) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: PARLOR_URL });
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(err.message));
  const receiver = await startReceiver();
  try {
    await page.goto(`${PARLOR_URL}/sign-up`);
    await page.locator("#email").fill(`hooks-${Date.now()}@example.com`);
    await page.locator("#password").fill(PASSWORD);
    await page.locator("#workspace").fill("Hooked support");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page).toHaveURL(`${PARLOR_URL}/dashboard`);

    await page.getByRole("link", { name: "Webhooks" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhooks");
    await expect(page.getByText("No endpoints yet.")).toBeVisible();

    // A private address is refused with the reason, and nothing is created.
    await page.locator("#webhook-url").fill("http://10.0.0.7/hooks");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    await expect(page.getByRole("alert")).toContainText("private or reserved network address");
    await expect(page.getByText("No endpoints yet.")).toBeVisible();

    await page.locator("#webhook-url").fill(receiver.url);
    await page.locator("#webhook-description").fill("CRM sync");
    await page.getByRole("button", { name: "Add endpoint" }).click();
    const reveal = page.getByTestId("new-secret");
    await expect(reveal).toContainText("Copy the signing secret now");
    const secret = (await page.getByTestId("new-secret-value").innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    await reveal.getByRole("button", { name: "Copy" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    const row = page.getByTestId("webhook-row").filter({ hasText: receiver.url });
    await expect(row).toContainText("CRM sync");
    await expect(row).toContainText("all events");
    await expect(page.getByTestId("webhook-table")).not.toContainText(secret.slice(6, 20));

    await row.getByRole("link", { name: receiver.url }).click();
    await expect(page).toHaveURL(/\/webhooks\/whk_/);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Webhook endpoint");
    await expect(page.getByTestId("webhook-url")).toHaveText(receiver.url);
    await expect(page.getByText("No deliveries yet.")).toBeVisible();
    await expect(page.getByTestId("new-secret")).toHaveCount(0);

    await page.getByRole("button", { name: "Send test event" }).click();
    const delivery = page.getByTestId("delivery-row").first();
    await expect(delivery).toHaveAttribute("data-status", "succeeded");
    await expect(delivery).toContainText("ping");
    await expect(delivery).toContainText("HTTP 200");
    await expect(delivery.getByTestId("delivery-attempts")).toHaveText("1 attempt");
    await delivery.getByTestId("delivery-attempts").click();
    await expect(delivery).toContainText("thanks from the CRM");

    expect(receiver.deliveries).toHaveLength(1);
    const first = receiver.deliveries[0];
    const headers = (d: Delivery) => ({
      "webhook-id": String(d.headers["webhook-id"]),
      "webhook-timestamp": String(d.headers["webhook-timestamp"]),
      "webhook-signature": String(d.headers["webhook-signature"]),
    });
    // The secret the portal showed verifies the delivery (the library throws otherwise).
    const event = new Webhook(secret).verify(first.body, headers(first)) as { event: string };
    expect(event.event).toBe("ping");

    await delivery.getByRole("button", { name: "Redeliver" }).click();
    await expect(delivery.getByTestId("delivery-attempts")).toHaveText("2 attempts");
    await expect(delivery).toHaveAttribute("data-status", "succeeded");
    await expect.poll(() => receiver.deliveries.length).toBe(2);
    expect(receiver.deliveries[1].headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    await expect(page.getByTestId("delivery-row")).toHaveCount(1);
    expect(errors).toEqual([]);
  } finally {
    receiver.close();
  }
});
