// Warns two minutes before the session ends for inactivity (portal.middleware.IdleTimeoutMiddleware)
// and, if nobody answers, reloads the page: the server then signs out and the login page says why.
// Other tabs keep the same session alive, so before warning or leaving, it asks the server how long is
// left (asking does not count as activity).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="portal-session"]');
  if (!meta) return;
  var WARN_SECONDS = Number(meta.dataset.warnSeconds) || 120;
  var timer = null;
  var ticker = null;
  var box = null;

  function schedule(secondsLeft) {
    clearTimeout(timer);
    timer = setTimeout(check, Math.max(secondsLeft - WARN_SECONDS, 0) * 1000);
  }

  function check() {
    fetch(meta.dataset.remainingUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.remaining > WARN_SECONDS) {
          hide();
          schedule(data.remaining);
        } else if (data.remaining > 0) {
          warn(data.remaining);
        } else {
          window.location.replace(window.location.href);
        }
      })
      .catch(function () { timer = setTimeout(check, 30000); });  // server unreachable: ask again later
  }

  function warn(secondsLeft) {
    if (!box) {
      box = document.createElement("div");
      box.className = "session-warning";
      box.setAttribute("role", "alert");
      var text = document.createElement("span");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "primary";
      button.textContent = "继续使用";
      button.addEventListener("click", keepAlive);
      box.appendChild(text);
      box.appendChild(button);
      document.body.appendChild(box);
    }
    box.hidden = false;
    var deadline = Date.now() + secondsLeft * 1000;
    clearInterval(ticker);
    var show = function () {
      var left = Math.max(Math.round((deadline - Date.now()) / 1000), 0);
      box.firstChild.textContent = "您已较长时间没有操作，为保护党员信息，将在 " + left + " 秒后自动退出登录。";
      if (left <= 0) {
        clearInterval(ticker);
        check();
      }
    };
    show();
    ticker = setInterval(show, 1000);
  }

  function hide() {
    clearInterval(ticker);
    if (box) box.hidden = true;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function keepAlive() {
    fetch(meta.dataset.keepaliveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        hide();
        schedule(data.remaining);
      })
      .catch(check);
  }

  // A partial update (htmx) is activity too.
  document.addEventListener("htmx:afterRequest", function () {
    if (!box || box.hidden) schedule(Number(meta.dataset.secondsLeft));
  });
  schedule(Number(meta.dataset.secondsLeft));
})();
