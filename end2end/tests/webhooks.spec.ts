import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Webhook } from "standardwebhooks";
import { createChatbot, createKey, sendAndWatch } from "./helpers";
import { CUSTOMER_URL, PARLOR_URL } from "./env";

type Delivery = { headers: IncomingHttpHeaders; body: string };

/** A receiver on loopback, like an owner's CRM endpoint. */
async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; close: () => void }> {
  const deliveries: Delivery[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/parlor`, deliveries, close: () => server.close() };
}

test("a visitor's message in the widget reaches the owner's webhook, verified by the standardwebhooks library", async ({
  page,
  request,
}) => {
  const receiver = await startReceiver();
  try {
    const key = createKey();
    const auth = { Authorization: `Bearer ${key}`, "Content-Type": "application/json" };
    const created = await request.post(`${PARLOR_URL}/api/v2/webhooks`, {
      headers: auth,
      data: JSON.stringify({ url: receiver.url, events: ["message.received", "ping"] }),
    });
    expect(created.status()).toBe(201);
    const { id, secret } = await created.json();
    expect(secret).toMatch(/^whsec_/);

    const test_event = await request.post(`${PARLOR_URL}/api/v2/webhooks/${id}/test`, { headers: auth });
    expect(test_event.status()).toBe(202);

    const bot = await createChatbot(request, key, "Hooked Bot");
    await page.goto(`${CUSTOMER_URL}/?backend=${encodeURIComponent(PARLOR_URL)}&bot=${bot}`);
    await page.getByRole("button", { name: "Open chat" }).click();
    await sendAndWatch(page, "Do you ship to Canada?", /./);

    await expect.poll(() => receiver.deliveries.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    const verifier = new Webhook(secret);
    const events = receiver.deliveries.map((delivery) => {
      const headers = {
        "webhook-id": String(delivery.headers["webhook-id"]),
        "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
        "webhook-signature": String(delivery.headers["webhook-signature"]),
      };
      // Throws when the signature or the timestamp is wrong.
      return verifier.verify(delivery.body, headers) as { event: string; data: Record<string, unknown> };
    });
    expect(events.map((e) => e.event).sort()).toEqual(["message.received", "ping"]);
    const message = events.find((e) => e.event === "message.received")!;
    expect(message.data.message).toBe("Do you ship to Canada?");
    expect(message.data.chatbotId).toBe(bot);

    // A tampered body does not verify.
    const first = receiver.deliveries[0];
    expect(() =>
      verifier.verify(first.body.replace("}", ',"x":1}'), {
        "webhook-id": String(first.headers["webhook-id"]),
        "webhook-timestamp": String(first.headers["webhook-timestamp"]),
        "webhook-signature": String(first.headers["webhook-signature"]),
      }),
    ).toThrow();
  } finally {
    receiver.close();
  }
});
