// Benchmark, not a test (the Playwright suite never runs it; its testDir is ./tests): what a
// visitor on a slow mobile network waits for when they first open the chat widget.
//
// It starts its own release server on free ports with a fresh data directory, makes a chatbot
// that knows one answer, and serves a customer page on another origin (127.0.0.1 for the page,
// localhost for Parlor, as the e2e tests do). Each run then takes a new browser context (cold
// cache, and the HTTP cache disabled over CDP), throttles the network to a slow mobile profile,
// opens the page, clicks the launcher and measures, inside the page, from the click's event
// time stamp to the frame where each thing is first seen:
//   composer   the message field is in the panel, visible and enabled
//   welcome    the chatbot's welcome message is shown (its configuration has arrived)
//   first      the first piece of the answer to a question, sent as soon as the widget has
//              opened completely (composer and welcome shown, no request of the opening pending)
// and, from the click on Send, the first piece and the complete answer. The bytes of the
// opening are the sum of CDP `Network.loadingFinished` encodedDataLength (headers and the
// compressed body) of the requests made between the click on the launcher and the click on
// Send: the widget's JS glue, WASM, CSS and configuration.
//
//   node end2end/bench/widget-cold-open.mjs [--runs N] [--json FILE] [--port P]
//        [--viewport WxH] [--responder-delay-ms MS]
//
// Needs the release build (target/release/parlor, target/site/widget.js and target/widget-site/w/)
// and end2end's node_modules; scripts/bench-widget-open.sh checks both and runs this.
import { spawn, execFileSync } from "node:child_process";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "@playwright/test";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const PARLOR_BIN = process.env.PARLOR_BIN ?? path.join(REPO_ROOT, "target", "release", "parlor");
const CHROMIUM = process.env.PARLOR_CHROMIUM ?? "/usr/bin/chromium";
// The same flags as end2end/playwright.config.ts.
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-quic",
  "--no-first-run",
];

// A slow mobile connection (what DevTools calls "Slow 4G" in recent versions, "Fast 3G" before):
// 150 ms round trip added to each request, 1.6 Mbps down, 750 kbps up.
const PROFILE = {
  name: "slow mobile",
  offline: false,
  latency: 150,
  downloadThroughput: 200_000,
  uploadThroughput: 93_750,
};

const QUESTION = "What are your opening hours?";
const ANSWER =
  "We are open Monday to Friday from nine to six, and on Saturdays from ten to two. " +
  "On Sundays and public holidays the shop is closed, but orders placed online ship on the next working day.";
const STEP_TIMEOUT = 90_000;

const USAGE = `usage: node end2end/bench/widget-cold-open.mjs [options]
  --runs N                 runs, each in a new browser context (default 5)
  --json FILE              also write the JSON summary to FILE (it is always printed last)
  --port P                 Parlor's port; the demo page gets P+1 and the customer page P+2
                           (default: free ports)
  --viewport WxH           the page's viewport (default 390x844, a phone)
  --responder-delay-ms MS  PARLOR_RESPONDER_DELAY_MS for the server (default: not set, so the
                           server's own default pace between streamed pieces)
environment: PARLOR_BENCH_WIDGET_DIR serves another widget build (a directory with w/ in it),
             to measure an older widget against the same server`;

function parseArgs(argv) {
  const options = { runs: 5, json: null, port: null, viewport: { width: 390, height: 844 }, responderDelay: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) fail(`${arg} needs a value`);
      return next;
    };
    const int = (text, min) => {
      const n = Number(text);
      if (!Number.isInteger(n) || n < min) fail(`${arg} must be an integer of at least ${min}, not ${JSON.stringify(text)}`);
      return n;
    };
    if (arg === "--runs") options.runs = int(value(), 1);
    else if (arg === "--json") options.json = path.resolve(value());
    else if (arg === "--port") options.port = int(value(), 1);
    else if (arg === "--responder-delay-ms") options.responderDelay = int(value(), 0);
    else if (arg === "--viewport") {
      const match = /^(\d+)x(\d+)$/.exec(value());
      if (!match) fail("--viewport must look like 390x844");
      options.viewport = { width: Number(match[1]), height: Number(match[2]) };
    } else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else fail(`unknown argument ${arg}\n${USAGE}`);
  }
  return options;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function ports(base) {
  if (base) return [base, base + 1, base + 2];
  const found = new Set();
  while (found.size < 3) found.add(await freePort());
  return [...found];
}

// Everything to undo, undone once whatever way the script ends (every caller waits for the same
// clean-up, so a signal during the runs does not exit before the server has stopped).
const cleanups = [];
let cleaning = null;
function cleanUp() {
  cleaning ??= (async () => {
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (err) {
        console.error(`clean-up: ${err.message ?? err}`);
      }
    }
  })();
  return cleaning;
}
let interrupted = null;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = signal;
    console.error(`\n${signal}: cleaning up`);
    cleanUp().finally(() => process.exit(130));
  });
}

/** The server's environment: the caller's, less any PARLOR_ setting, plus the e2e suite's. */
function serverEnv(options) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("PARLOR_") && name !== "DATABASE_URL" && name !== "RUST_LOG") env[name] = value;
  }
  Object.assign(env, {
    DATABASE_URL: "",
    RUST_LOG: "warn",
    PARLOR_WIDGET_CHAT_PER_MINUTE: "300",
    LEPTOS_SITE_ROOT: path.join(REPO_ROOT, "target", "site"),
    PARLOR_SITE_DIR: path.join(REPO_ROOT, "target", "site"),
    PARLOR_WIDGET_DIR: process.env.PARLOR_BENCH_WIDGET_DIR ?? path.join(REPO_ROOT, "target", "widget-site"),
  });
  if (options.responderDelay !== null) env.PARLOR_RESPONDER_DELAY_MS = String(options.responderDelay);
  return env;
}

async function startParlor(options, port, demoPort, dataDir) {
  const log = fs.openSync(path.join(dataDir, "server.log"), "a");
  const child = spawn(
    PARLOR_BIN,
    ["serve", "--addr", `127.0.0.1:${port}`, "--demo-addr", `127.0.0.1:${demoPort}`, "--data-dir", dataDir],
    { cwd: REPO_ROOT, env: serverEnv(options), stdio: ["ignore", "ignore", log] },
  );
  fs.closeSync(log);
  let exited = null;
  const exit = new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve((exited = { code, signal })));
    child.on("error", (err) => resolve((exited = { error: err.message })));
  });
  cleanups.push(async () => {
    if (exited) return;
    child.kill("SIGTERM");
    const stopped = await Promise.race([exit, sleep(5_000).then(() => null)]);
    if (!stopped) {
      child.kill("SIGKILL");
      await exit;
    }
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`parlor serve exited (${JSON.stringify(exited)}):\n${serverLog(dataDir)}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`parlor serve was not ready within 60 s:\n${serverLog(dataDir)}`);
    await sleep(200);
  }
}

function serverLog(dataDir) {
  try {
    return fs.readFileSync(path.join(dataDir, "server.log"), "utf8").split("\n").slice(-30).join("\n");
  } catch {
    return "(no server log)";
  }
}

/** An API key from the operator CLI, a chatbot and one Q&A pair over the REST API, as the e2e tests make them. */
async function makeChatbot(options, port, dataDir) {
  const key = execFileSync(PARLOR_BIN, ["key", "create", "--name", "bench", "--all-scopes", "--data-dir", dataDir], {
    cwd: REPO_ROOT,
    env: serverEnv(options),
  })
    .toString()
    .trim();
  const api = async (pathname, body) => {
    const response = await fetch(`http://127.0.0.1:${port}${pathname}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`POST ${pathname}: ${response.status} ${text}`);
    return JSON.parse(text);
  };
  const bot = await api("/api/chatbots", { name: "Bench Shop" });
  await api("/api/knowledge", { chatbot_id: bot.id, type: "qa", source: QUESTION, content: ANSWER });
  return bot.id;
}

const escape = (value) =>
  String(value).replace(/[&"<>']/g, (c) => ({ "&": "&amp;", '"': "&quot;", "<": "&lt;", ">": "&gt;", "'": "&#39;" })[c]);

/** The customer's page, on its own origin: the embed snippet and a little content, as end2end/customer-site.mjs serves it. */
async function startCustomerSite(port, parlorUrl, bot) {
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Customer site</title>
<style>body { font-family: serif; color: rgb(200, 0, 0); } button { background: lime; }</style>
</head>
<body>
<h1>A customer's page</h1>
<p>Its own styles are loud on purpose: they must not reach into the widget.</p>
<script src="${escape(parlorUrl)}/widget.js" data-chatbot-id="${escape(bot)}" data-theme="light" async></script>
</body>
</html>`;
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/") res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(page);
    else if (url.pathname === "/favicon.ico") res.writeHead(204).end();
    else res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  await new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${port}/`;
}

// Runs in the page before its own scripts: notes, in the page's clock (ms since navigation
// start), the click on the launcher and on Send (by their events' time stamps), and checks on
// every animation frame (and every DOM change inside the widget) what the visitor can see.
const PROBE = () => {
  const marks = {};
  window.__bench = { marks };
  const shown = (el) =>
    !!el && el.isConnected && el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().width > 0;
  const root = () => document.querySelector("[data-parlor-widget]")?.shadowRoot ?? null;
  const check = () => {
    const now = performance.now();
    const r = root();
    if (!r) return;
    if (marks.launcherVisible === undefined && shown(r.querySelector("button.l"))) marks.launcherVisible = now;
    if (marks.launcherClick === undefined) return;
    const input = r.querySelector('form.composer input[name="message"]');
    if (marks.composerReady === undefined && input && !input.disabled && !input.readOnly && shown(input)) marks.composerReady = now;
    const welcome = r.querySelector("li.line.bot.welcome");
    if (marks.welcomeShown === undefined && shown(welcome) && welcome.textContent.trim()) marks.welcomeShown = now;
    if (marks.sendClick === undefined) return;
    const answer = r.querySelector("li.line.bot:not(.welcome)");
    const text = answer?.querySelector(".text");
    if (marks.firstPiece === undefined && shown(text) && text.textContent.trim()) marks.firstPiece = now;
    if (marks.answerComplete === undefined && shown(answer?.querySelector(".feedback"))) {
      marks.answerComplete = now;
      marks.answerText = text?.textContent ?? "";
    }
  };
  const frame = () => {
    check();
    if (marks.answerComplete === undefined) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // Clicks inside the shadow root reach the document as clicks on its host; the path says which button.
  document.addEventListener(
    "click",
    (event) => {
      const target = event.composedPath()[0];
      const button = target instanceof Element ? target.closest("button") : null;
      if (!button) return;
      if (button.classList.contains("l") && marks.launcherClick === undefined) marks.launcherClick = event.timeStamp;
      if (button.classList.contains("send") && marks.sendClick === undefined) marks.sendClick = event.timeStamp;
    },
    true,
  );
  let observed = null;
  new MutationObserver(() => {
    const r = root();
    if (r && r !== observed) {
      observed = r;
      new MutationObserver(check).observe(r, { subtree: true, childList: true, attributes: true, characterData: true });
    }
  }).observe(document, { subtree: true, childList: true });
};

/** Waits until the page's probe has noted `mark`. */
async function waitForMark(page, mark, what) {
  try {
    await page.waitForFunction((m) => window.__bench?.marks[m] !== undefined, mark, { timeout: STEP_TIMEOUT, polling: 50 });
  } catch (err) {
    throw new Error(`timed out waiting for ${what} (${mark}): ${err.message.split("\n")[0]}`);
  }
}

/** Every request of the page over CDP, with the phase it began in and its bytes on the wire. */
function watchNetwork(cdp) {
  const requests = new Map();
  const state = { phase: "page" };
  cdp.on("Network.requestWillBeSent", (e) => {
    const known = requests.get(e.requestId);
    if (known) known.url = e.request.url;
    else requests.set(e.requestId, { url: e.request.url, method: e.request.method, type: e.type, phase: state.phase, done: false, bytes: 0 });
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { status: e.response.status, mimeType: e.response.mimeType, encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "" });
  });
  cdp.on("Network.loadingFinished", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { done: true, bytes: e.encodedDataLength });
  });
  cdp.on("Network.loadingFailed", (e) => {
    const r = requests.get(e.requestId);
    if (r) Object.assign(r, { done: true, failed: e.errorText, canceled: e.canceled });
  });
  const of = (phase) => [...requests.values()].filter((r) => r.phase === phase);
  return {
    state,
    of,
    /** Waits until no request of `phase` is pending. */
    async settle(phase, timeout = STEP_TIMEOUT) {
      const deadline = Date.now() + timeout;
      while (of(phase).some((r) => !r.done)) {
        if (Date.now() > deadline) {
          const left = of(phase).filter((r) => !r.done).map((r) => r.url);
          throw new Error(`requests of the ${phase} phase still pending after ${timeout} ms: ${left.join(", ")}`);
        }
        await sleep(25);
      }
    },
  };
}

/** Short names for the widget's requests in the byte breakdown. */
function partOf(url) {
  const { pathname } = new URL(url);
  if (pathname.endsWith(".wasm")) return "wasm";
  if (/\/w\/.*\.js$/.test(pathname)) return "js";
  if (pathname.endsWith(".css")) return "css";
  if (pathname.startsWith("/widget/")) return "api";
  return "other";
}

async function oneRun(browser, options, pageUrl) {
  const context = await browser.newContext({ viewport: options.viewport });
  try {
    await context.addInitScript(PROBE);
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(err.message));
    page.on("console", (msg) => msg.type() === "error" && errors.push(msg.text()));
    const cdp = await context.newCDPSession(page);
    const net = watchNetwork(cdp);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const { offline, latency, downloadThroughput, uploadThroughput } = PROFILE;
    await cdp.send("Network.emulateNetworkConditions", { offline, latency, downloadThroughput, uploadThroughput });

    // The page, and its loader's launcher; then nothing in flight when the visitor clicks.
    await page.goto(pageUrl, { waitUntil: "load", timeout: STEP_TIMEOUT });
    await waitForMark(page, "launcherVisible", "the launcher");
    await net.settle("page");
    const launcher = page.getByRole("button", { name: /^Open chat/ }).first();
    await launcher.waitFor({ state: "visible", timeout: STEP_TIMEOUT });

    net.state.phase = "open";
    await launcher.click();
    await waitForMark(page, "launcherClick", "the click on the launcher");
    await waitForMark(page, "composerReady", "the message field");
    await waitForMark(page, "welcomeShown", "the welcome message");
    await net.settle("open");
    const opening = net.of("open");

    // A visitor who starts typing once the widget is open.
    net.state.phase = "chat";
    await page.locator('form.composer input[name="message"]').fill(QUESTION);
    await page.getByRole("button", { name: "Send" }).click();
    await waitForMark(page, "sendClick", "the click on Send");
    await waitForMark(page, "firstPiece", "the first piece of the answer");
    await waitForMark(page, "answerComplete", "the complete answer");

    const m = await page.evaluate(() => window.__bench.marks);
    const expected = ANSWER.split(",")[0];
    if (!m.answerText.includes(expected)) {
      throw new Error(`the answer is not the chatbot's knowledge: ${JSON.stringify(m.answerText)}`);
    }
    const failedOpening = opening.filter((r) => r.failed || (r.status ?? 0) >= 400);
    if (failedOpening.length) {
      throw new Error(`requests of the opening failed: ${failedOpening.map((r) => `${r.url} ${r.status ?? r.failed}`).join(", ")}`);
    }
    if (!opening.some((r) => partOf(r.url) === "wasm")) throw new Error("the opening fetched no WASM: was the cache cold?");
    // The opening's bytes cannot arrive faster than the profile's download rate: if they did,
    // the throttling was not applied and the figures would be meaningless.
    const openBytes = opening.reduce((sum, r) => sum + r.bytes, 0);
    const floorMs = (openBytes / PROFILE.downloadThroughput) * 1000;
    if (m.welcomeShown - m.launcherClick < floorMs * 0.9) {
      throw new Error(
        `${openBytes} B arrived in ${Math.round(m.welcomeShown - m.launcherClick)} ms, faster than the profile allows ` +
          `(${Math.round(floorMs)} ms): Chromium did not apply Network.emulateNetworkConditions`,
      );
    }
    const parts = {};
    for (const r of opening) parts[partOf(r.url)] = (parts[partOf(r.url)] ?? 0) + r.bytes;
    const round = (ms) => Math.round(ms);
    return {
      pageToLauncherMs: round(m.launcherVisible),
      clickToComposerMs: round(m.composerReady - m.launcherClick),
      clickToWelcomeMs: round(m.welcomeShown - m.launcherClick),
      clickToSendMs: round(m.sendClick - m.launcherClick),
      clickToFirstPieceMs: round(m.firstPiece - m.launcherClick),
      sendToFirstPieceMs: round(m.firstPiece - m.sendClick),
      sendToCompleteMs: round(m.answerComplete - m.sendClick),
      openBytes,
      openRequests: opening.length,
      openBytesByPart: parts,
      pageBytes: net.of("page").reduce((sum, r) => sum + r.bytes, 0),
      chatBytes: net.of("chat").reduce((sum, r) => sum + r.bytes, 0),
      openingRequests: opening.map((r) => ({
        url: r.url.replace(/^https?:\/\/[^/]+/, ""),
        method: r.method,
        status: r.status,
        encoding: r.encoding,
        bytes: r.bytes,
      })),
      consoleErrors: errors,
    };
  } finally {
    await context.close();
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}

const COLUMNS = [
  ["pageToLauncherMs", "page→launcher"],
  ["clickToComposerMs", "click→composer"],
  ["clickToWelcomeMs", "click→welcome"],
  ["clickToFirstPieceMs", "click→1st piece"],
  ["sendToFirstPieceMs", "send→1st piece"],
  ["sendToCompleteMs", "send→complete"],
  ["openBytes", "open bytes"],
  ["openRequests", "reqs"],
];

function printRow(label, values) {
  console.log([label.padEnd(8), ...COLUMNS.map(([key, title]) => String(values[key] ?? "").padStart(title.length))].join("  "));
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  for (const [file, what] of [
    [PARLOR_BIN, "the release server"],
    [path.join(REPO_ROOT, "target", "site", "widget.js"), "the loader (portal build)"],
    [path.join(REPO_ROOT, "target", "widget-site", "w", "parlor-widget.wasm"), "the widget's WASM (widget build)"],
  ]) {
    if (!fs.existsSync(file)) throw new Error(`missing ${file}: ${what}; build with ./scripts/run.sh first`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`missing ${CHROMIUM}: install Debian's chromium or set PARLOR_CHROMIUM`);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "parlor-bench-"));
  cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const [port, demoPort, customerPort] = await ports(options.port);
  const parlorUrl = `http://localhost:${port}`;

  await startParlor(options, port, demoPort, dataDir);
  const bot = await makeChatbot(options, port, dataDir);
  const pageUrl = await startCustomerSite(customerPort, parlorUrl, bot);

  // Signals are handled above (Playwright's own handlers would exit before the server is stopped).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  cleanups.push(() => browser.close());
  const version = browser.version();

  console.log("Widget cold open on a slow mobile network");
  console.log(
    `profile:   ${PROFILE.name}: +${PROFILE.latency} ms per request (round trip), ` +
      `${(PROFILE.downloadThroughput * 8) / 1e6} Mbps down (${PROFILE.downloadThroughput} B/s), ` +
      `${(PROFILE.uploadThroughput * 8) / 1e3} kbps up (${PROFILE.uploadThroughput} B/s); no CPU throttling`,
  );
  console.log(`cache:     a new browser context per run, HTTP cache disabled`);
  console.log(`chromium:  ${version} (${CHROMIUM}), viewport ${options.viewport.width}x${options.viewport.height}`);
  console.log(
    `parlor:    ${path.relative(REPO_ROOT, PARLOR_BIN) || PARLOR_BIN} on ${parlorUrl}, page on ${pageUrl}, ` +
      `responder pace ${options.responderDelay === null ? "server default" : `${options.responderDelay} ms`}`,
  );
  console.log(`question:  ${JSON.stringify(QUESTION)}, sent once the widget has opened completely`);
  console.log("times in ms from the click on the launcher (click→) or on Send (send→); open bytes: on the wire, CDP encodedDataLength\n");
  printRow("run", Object.fromEntries(COLUMNS.map(([key, title]) => [key, title])));

  const runs = [];
  for (let i = 1; i <= options.runs; i++) {
    let result;
    try {
      result = await oneRun(browser, options, pageUrl);
    } catch (err) {
      throw new Error(`run ${i} failed: ${err.message}`);
    }
    runs.push(result);
    printRow(String(i), result);
    for (const e of result.consoleErrors) console.log(`         console error: ${e}`);
  }
  const medians = Object.fromEntries(COLUMNS.map(([key]) => [key, median(runs.map((r) => r[key]))]));
  printRow("median", medians);

  const parts = runs[0].openBytesByPart;
  console.log(
    `\nopening, run 1: ${runs[0].openingRequests.map((r) => `${r.method} ${r.url} ${r.status} ${r.encoding || "identity"} ${r.bytes} B`).join("; ")}`,
  );
  console.log(`by part (B): ${Object.entries(parts).map(([k, v]) => `${k} ${v}`).join(", ")}`);

  const summary = {
    benchmark: "widget-cold-open",
    date: new Date().toISOString(),
    profile: PROFILE,
    cpuThrottling: null,
    chromium: { version, executable: CHROMIUM, args: CHROMIUM_ARGS },
    viewport: options.viewport,
    responderDelayMs: options.responderDelay,
    question: QUESTION,
    machine: { cpus: os.cpus().length, loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    units: { time: "ms", bytes: "bytes on the wire (CDP encodedDataLength)" },
    median: medians,
    runs,
  };
  const json = JSON.stringify(summary, null, 2);
  if (options.json) fs.writeFileSync(options.json, json + "\n");
  console.log("\n" + json);
}

let status = 0;
try {
  await main();
} catch (err) {
  if (!interrupted) console.error(`\nbenchmark failed: ${err.message ?? err}`);
  status = interrupted ? 130 : 1;
} finally {
  await cleanUp();
}
process.exit(status);
