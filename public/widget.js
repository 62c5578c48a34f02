/*! Parlor chat widget loader. Paste:
 *  <script src="https://YOUR-PARLOR/widget.js" data-chatbot-id="ID" data-theme="light" async></script>
 * Other attributes: docs/widget.md. It draws only a launcher; the widget (WASM, JS glue, CSS) is
 * fetched when the visitor first opens it (or when the browser is idle, with data-load="idle").
 * Everything lives in a Shadow DOM root, so host and widget styles never mix.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var data = script.dataset;
  var chatbotId = data.chatbotId;
  function warn(message) {
    console.warn("[parlor] " + message);
  }
  if (!chatbotId) {
    console.error("[parlor] the script tag needs a data-chatbot-id attribute");
    return;
  }
  if (window.__parlorWidget) return;
  window.__parlorWidget = true;

  var origin = new URL(script.src).origin;
  var theme = data.theme || "light";
  var mode = data.mode || "bubble";
  if (!/^(bubble|inline|fullscreen)$/.test(mode)) {
    warn("data-mode must be bubble, inline or fullscreen; using bubble");
    mode = "bubble";
  }
  var position = data.position || "right";
  if (position !== "left" && position !== "right") {
    warn("data-position must be left or right; using right");
    position = "right";
  }
  if (data.load && data.load !== "open" && data.load !== "idle") warn("data-load must be open or idle; using open");
  // The accent goes into CSS, so only a hex colour or a plain colour name is let through.
  var accent = data.accent || "";
  if (accent && !/^(#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]+)$/i.test(accent)) {
    warn("ignoring data-accent=" + JSON.stringify(accent) + ": use #rgb, #rrggbb or a colour name");
    accent = "";
  }
  var options = {
    backend: origin,
    chatbotId: chatbotId,
    theme: theme,
    position: position,
    accent: accent,
    mode: mode,
    open: true,
    focus: false,
  };
  var root, launcher, bundle, mounted;

  // Fetches and starts the widget's code once, showing nothing: opening and prefetching share it.
  function fetchBundle() {
    bundle =
      bundle ||
      Promise.all([
        import(origin + "/w/parlor-widget.js").then(function (mod) {
          return mod.default({ module_or_path: origin + "/w/parlor-widget.wasm" }).then(function () {
            return mod;
          });
        }),
        // The widget works without its CSS, so a failed stylesheet does not stop it.
        fetch(origin + "/w/parlor-widget.css")
          .then(function (r) {
            return r.ok ? r.text() : "";
          })
          .catch(function () {
            return "";
          }),
      ]).catch(function (err) {
        bundle = null;
        throw err;
      });
    return bundle;
  }

  function open(focus) {
    if (mounted) return;
    mounted = true;
    if (launcher) launcher.setAttribute("aria-busy", "true");
    fetchBundle()
      .then(function (loaded) {
        var style = document.createElement("style");
        style.textContent = loaded[1];
        var el = document.createElement("div");
        el.style.height = "100%";
        root.appendChild(style);
        root.appendChild(el);
        options.focus = focus;
        loaded[0].mount(el, options);
        if (launcher) launcher.remove();
      })
      .catch(function (err) {
        mounted = false;
        if (launcher) launcher.removeAttribute("aria-busy");
        console.error("[parlor] the chat widget could not be loaded", err);
      });
  }

  function start() {
    var host = document.createElement("div");
    host.setAttribute("data-parlor-widget", "");
    var target = document.body;
    if (mode === "inline") {
      var found = document.getElementById((data.target || "").replace(/^#/, ""));
      if (found) {
        target = found;
        host.style.cssText = "display:block;height:100%";
      } else {
        warn("data-target names no element on the page; showing the chat bubble instead");
        options.mode = mode = "bubble";
      }
    }
    root = host.attachShadow({ mode: "open" });
    if (mode !== "inline") {
      var dark = theme === "dark" || (theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
      var bg = accent || (dark ? "#8b85ff" : "#4f46e5");
      // Black or white on the accent, whichever reads better (as in the widget's CSS).
      var fg = accent ? "#fff;color:lch(from " + accent + " calc((50 - l)*1000) 0 0)" : dark ? "#12121a" : "#fff";
      root.innerHTML =
        "<style>:host{all:initial}.l{position:fixed;" + position + ":20px;bottom:20px;z-index:2147483000;width:56px;height:56px;" +
        "border:0;border-radius:50%;background:" + bg + ";color:" + fg + ";cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);" +
        "display:flex;align-items:center;justify-content:center}.l:focus-visible{outline:3px solid " + bg + ";outline-offset:3px}" +
        "</style><button class=\"l\" type=\"button\" aria-label=\"Open chat\"><svg viewBox=\"0 0 24 24\" width=\"28\" height=\"28\" " +
        "aria-hidden=\"true\"><path fill=\"currentColor\" d=\"M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z\"/></svg></button>";
      launcher = root.querySelector("button");
      launcher.addEventListener("click", function () {
        open(true);
      });
    }
    target.appendChild(host);
    if (mode === "inline" || data.open === "true") {
      open(false);
    } else if (data.load === "idle") {
      // After the page's load, when the browser is idle: the first open is then instant.
      var idle = function () {
        var later = window.requestIdleCallback || setTimeout;
        later(function () {
          fetchBundle().catch(function () {});
        });
      };
      if (document.readyState === "complete") idle();
      else addEventListener("load", idle);
    }
  }

  // An inline target must exist before the widget goes into it.
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
