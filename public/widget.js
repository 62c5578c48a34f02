/*! Parlor chat widget loader. Paste:
 *  <script src="https://YOUR-PARLOR/widget.js" data-chatbot-id="ID" data-theme="light" async></script>
 * It draws only a launcher button; the widget itself (WASM, JS glue, CSS) is fetched when the
 * visitor first opens it. Everything lives in a Shadow DOM root, so host and widget styles never mix.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var data = script.dataset;
  var chatbotId = data.chatbotId;
  if (!chatbotId) {
    console.error("[parlor] the script tag needs a data-chatbot-id attribute");
    return;
  }
  if (window.__parlorWidget) return;
  window.__parlorWidget = true;

  var origin = new URL(script.src).origin;
  var theme = data.theme || "light";
  var host = document.createElement("div");
  host.setAttribute("data-parlor-widget", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>:host{all:initial}.l{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;" +
    "border:0;border-radius:50%;background:#4f46e5;color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);" +
    "display:flex;align-items:center;justify-content:center}.l:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}" +
    "</style><button class=\"l\" type=\"button\" aria-label=\"Open chat\"><svg viewBox=\"0 0 24 24\" width=\"28\" height=\"28\" " +
    "aria-hidden=\"true\"><path fill=\"currentColor\" d=\"M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z\"/></svg></button>";
  var launcher = root.querySelector("button");
  var loading = null;

  function load() {
    if (loading) return loading;
    launcher.setAttribute("aria-busy", "true");
    var css = new Promise(function (resolve) {
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = origin + "/w/parlor-widget.css";
      link.onload = link.onerror = resolve;
      root.appendChild(link);
    });
    loading = Promise.all([import(origin + "/w/parlor-widget.js"), css])
      .then(function (loaded) {
        var mod = loaded[0];
        return mod.default({ module_or_path: origin + "/w/parlor-widget.wasm" }).then(function () {
          var mount = document.createElement("div");
          root.appendChild(mount);
          mod.mount(mount, origin, chatbotId, theme, true);
          launcher.remove();
        });
      })
      .catch(function (err) {
        loading = null;
        launcher.removeAttribute("aria-busy");
        console.error("[parlor] the chat widget could not be loaded", err);
      });
    return loading;
  }

  launcher.addEventListener("click", load);

  function attach() {
    document.body.appendChild(host);
  }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
