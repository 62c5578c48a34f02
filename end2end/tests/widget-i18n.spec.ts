// Every visible string in the visitor's language: chosen by data-language, else the browser's.
import { expect, test } from "@playwright/test";
import { customerPage, newChatbot } from "./widget-helpers";

test("data-language=fr shows the launcher, the panel and the answer's controls in French", async ({ page, request }) => {
  const bot = await newChatbot(request, "Bonjour Bot");
  await page.goto(customerPage(bot, { language: "fr" }));
  await page.getByRole("button", { name: "Ouvrir le chat" }).click();
  await expect(page.getByRole("dialog", { name: "Discuter avec Bonjour Bot" })).toBeVisible();
  await expect(page.getByLabel("Votre message")).toHaveAttribute("placeholder", "Écrivez votre message…");
  await page.getByLabel("Votre message").fill("Bonjour");
  await page.getByRole("button", { name: "Envoyer" }).click();
  await expect(page.getByRole("button", { name: "Utile", exact: true })).toBeVisible();
  await expect(page.getByRole("button", { name: "Pas utile" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Parler à une personne" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Nouvelle conversation" })).toBeVisible();
  await expect(page.locator(".parlor")).toHaveAttribute("lang", "fr");
  await page.keyboard.press("Escape");
  await expect(page.getByRole("button", { name: "Ouvrir le chat" })).toBeFocused();
});

for (const [language, open, send] of [
  ["de", "Chat öffnen", "Senden"],
  ["es", "Abrir el chat", "Enviar"],
  ["pt-BR", "Abrir o chat", "Enviar"],
  ["ja", "チャットを開く", "送信"],
]) {
  test(`data-language=${language} speaks that language`, async ({ page, request }) => {
    const bot = await newChatbot(request, `Bot ${language}`);
    await page.goto(customerPage(bot, { language }));
    await page.getByRole("button", { name: open }).click();
    await expect(page.getByRole("button", { name: send, exact: true })).toBeVisible();
  });
}

test.describe("without data-language", () => {
  test.use({ locale: "es-ES" });

  test("the browser's language is used", async ({ page, request }) => {
    const bot = await newChatbot(request, "Hola Bot");
    await page.goto(customerPage(bot));
    await page.getByRole("button", { name: "Abrir el chat" }).click();
    await expect(page.getByRole("dialog", { name: "Chatear con Hola Bot" })).toBeVisible();
    await expect(page.getByRole("button", { name: "Enviar" })).toBeVisible();
  });
});
