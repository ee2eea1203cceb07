/* TCPL kiosk page: one citizen's answers at a time, kept in this browser until the gateway
 * acknowledges them, so nothing is lost while the network is down and nothing is counted
 * twice when it comes back (each response carries a UUID made here; the server recognises
 * replays). No personal data is asked for or stored. */
(function () {
  "use strict";

  var TOKEN_KEY = "tcpl.kiosk.token";
  var QUEUE_KEY = "tcpl.kiosk.queue";
  var CAMPAIGN_KEY = "tcpl.kiosk.campaign";
  var REJECTED_KEY = "tcpl.kiosk.rejected";
  var CAMPAIGN_PATH = "/api/v1/kiosk/campaign";
  var WORKER_PATH = "/kiosk/sw.js";
  var WORKER_SCOPE = "/kiosk";
  var WORKER_CACHE_HEADER = "X-TCPL-Kiosk-Cache";  // set by sw.js on a cached campaign
  var RETRY_MS = 15000;          // periodic retry of the queue
  var RECHECK_SECONDS = 300;     // periodic re-check of the campaign; ?recheck=<seconds>
  var RESET_SECONDS = 6;         // the thank-you screen resets itself
  var BATCH_MAX = 200;           // the gateway's batch limit
  var LEVEL_LABELS = {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường",
                      4: "Hài lòng", 5: "Rất hài lòng"};
  // The words of each purpose of a questionnaire: satisfaction (also when a campaign cached by
  // an earlier release names none) or Form 04's effectiveness of legal dissemination. The
  // levels' own labels come with the questionnaire (its "scale").
  var PURPOSE_WORDS = {
    satisfaction: {brand: "Khảo sát mức độ hài lòng",
                   welcome: "Ông/bà vui lòng cho biết mức độ hài lòng"},
    dissemination_models: {brand: "Lấy ý kiến về hiệu quả phổ biến, giáo dục pháp luật",
                           welcome: "Ông/bà vui lòng cho biết ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục pháp luật tại địa phương"}
  };

  function purposeWords() {
    var q = state.campaign && state.campaign.questionnaire;
    return PURPOSE_WORDS[(q && q.purpose) || (state.campaign && state.campaign.purpose)] ||
      PURPOSE_WORDS.satisfaction;
  }

  // Refusals the operator is told about, by the service's error code.
  var REFUSALS = {campaign_closed: "đợt khảo sát đã kết thúc", campaign_not_open: "đợt khảo sát chưa mở",
                  code_used: "mã phiếu đã được dùng", code_invalid: "mã phiếu không hợp lệ",
                  response_conflict: "trùng mã phiếu", validation_failed: "nội dung không hợp lệ",
                  forbidden: "không thuộc đơn vị của thiết bị", not_found: "không có đợt khảo sát",
                  kiosk_revoked: "thiết bị đã bị thu hồi"};

  // campaign: the one answers go to, null while none accepts them (closed, revoked…);
  // blocked: what to show instead of the welcome screen then; pending: a change of campaign
  // waiting for the citizen who is answering to finish.
  var state = {campaign: null, kiosk: null, answers: {}, index: 0, code: null,
               blocked: null, pending: null, checking: null, initialCheck: false,
               flushing: false, retryAt: 0, resetTimer: null, countdownTimer: null};

  function $(id) { return document.getElementById(id); }

  // -- storage -----------------------------------------------------------------------------
  function readJson(key, fallback) {
    try {
      var raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (e) { return fallback; }
  }
  function writeJson(key, value) { window.localStorage.setItem(key, JSON.stringify(value)); }
  function token() { return window.localStorage.getItem(TOKEN_KEY); }
  function queue() { return readJson(QUEUE_KEY, []); }

  function enqueue(item) {
    var items = queue();
    items.push(item);
    writeJson(QUEUE_KEY, items);   // persisted before any attempt to send
    showQueue();
  }

  // Remove exactly the items the server acknowledged, re-reading the queue: answers given
  // while a request was in flight must stay.
  function removeFromQueue(ids) {
    if (!ids.length) { return; }
    var gone = {};
    ids.forEach(function (id) { gone[id] = true; });
    writeJson(QUEUE_KEY, queue().filter(function (item) { return !gone[item.response_id]; }));
    showQueue();
  }

  function reject(items) {
    if (!items.length) { return; }
    var kept = readJson(REJECTED_KEY, []).concat(items).slice(-200);
    writeJson(REJECTED_KEY, kept);
    showRejected();
  }

  function kioskIdOfToken() { return (token() || "").split(".")[0]; }

  // What this device last heard about its campaign: {kiosk, campaign} (campaign null once
  // the server said there is none), or null. Another device's entry does not count.
  function cachedCampaign() {
    var cached = readJson(CAMPAIGN_KEY, null);
    if (!cached || !cached.kiosk || cached.kiosk.kiosk_id !== kioskIdOfToken()) { return null; }
    return cached;
  }

  function newUuid() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // Plain http on a LAN is not a secure context: build a version-4 UUID by hand.
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // -- status bar --------------------------------------------------------------------------
  function showNetwork() {
    var online = navigator.onLine;
    var el = $("net-status");
    el.dataset.online = online ? "true" : "false";
    el.textContent = online ? "Đã kết nối" : "Mất kết nối — phiếu được lưu trên máy và tự gửi khi có mạng";
  }

  function showQueue() {
    var n = queue().length;
    var el = $("queue-status");
    el.dataset.count = String(n);
    el.textContent = n ? "Đang chờ gửi: " + n + " phiếu" : "";
  }

  // Answers the server refused for good (kept in tcpl.kiosk.rejected): never dropped silently.
  function showRejected() {
    var items = readJson(REJECTED_KEY, []);
    var el = $("rejected-status");
    el.dataset.count = String(items.length);
    if (!items.length) { el.textContent = ""; return; }
    var reasons = {}, order = [];
    items.forEach(function (entry) {
      var reason = REFUSALS[entry.error] || "lý do khác";
      if (!reasons[reason]) { reasons[reason] = 0; order.push(reason); }
      reasons[reason] += 1;
    });
    el.textContent = "Phiếu không được tiếp nhận: " + items.length + " (" +
      order.map(function (r) { return r + ": " + reasons[r]; }).join("; ") + ")";
  }

  // -- screens -----------------------------------------------------------------------------
  function show(name, focusId) {
    if (name !== "thanks") {
      window.clearTimeout(state.resetTimer);
      window.clearInterval(state.countdownTimer);
    }
    Array.prototype.forEach.call(document.querySelectorAll(".screen"), function (s) {
      s.hidden = s.id !== "screen-" + name;
    });
    document.body.dataset.screen = name;
    var target = $(focusId || (name + "-title"));
    if (target) { target.focus(); }
  }

  function message(title, text, retry, kind) {
    var screen = $("screen-message");
    if (document.body.dataset.screen === "message" && screen.dataset.kind === kind &&
        $("message-title").textContent === title) {
      return;   // already shown: a re-check must not move the focus or repeat itself
    }
    screen.dataset.kind = kind;
    $("message-title").textContent = title;
    $("message-text").textContent = text || "";
    $("message-retry").hidden = !retry;
    show("message", retry ? "message-retry" : "message-title");
  }

  // A citizen is answering, or being thanked: changes that can wait, wait for reset().
  function busy() {
    var screen = document.body.dataset.screen;
    return screen === "question" || screen === "code" || screen === "thanks";
  }

  // Block the page (no campaign, revoked device…): at once, or, when a citizen is busy and
  // their answer can still be sent, when they have finished.
  function block(render, now) {
    var apply = function () { state.campaign = null; state.blocked = render; render(); };
    if (!now && busy()) { state.pending = apply; } else { state.pending = null; apply(); }
  }

  function showClosed() {
    var cached = cachedCampaign();
    if (cached && cached.ended_campaign_id) {
      message("Đợt khảo sát đã kết thúc",
              "Thiết bị tạm ngừng nhận phiếu. Khi có đợt khảo sát mới, màn hình sẽ tự cập nhật.",
              true, "closed");
    } else {
      message("Chưa có đợt khảo sát",
              "Hiện chưa có đợt khảo sát nào đang mở tại đơn vị này. Khi có đợt mới, màn hình sẽ tự cập nhật.",
              true, "none");
    }
  }

  function showRevoked() {
    message("Thiết bị đã ngừng hoạt động",
            "Thiết bị này đã bị thu hồi. Vui lòng liên hệ cán bộ Bộ phận Một cửa.", true, "revoked");
  }

  function showUnauthorised() { showSetup("Mã thiết bị không hợp lệ. Vui lòng nhập lại."); }

  // -- talking to the gateway --------------------------------------------------------------
  function api(method, path, body) {
    var init = {method: method, headers: {"Authorization": "Kiosk " + token(), "Accept": "application/json"},
                cache: "no-store"};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return {status: response.status, body: json, headers: response.headers};
      });
    });
  }

  // At start and on "Thử lại": the page waits for the answer.
  function loadCampaign() {
    if (!token()) { showSetup(); return Promise.resolve(); }
    message("Đang tải…", "", false, "loading");
    return checkCampaign(true);
  }

  // Every few minutes, when the network returns, after a campaign_closed refusal: the
  // campaign may have closed (stop taking answers that would be refused) or a new one
  // opened (take it). A failure changes nothing: the page keeps what it has.
  function recheck() {
    if (!token() || !navigator.onLine || document.body.dataset.screen === "setup") {
      return Promise.resolve();
    }
    return checkCampaign(false);
  }

  function checkCampaign(initial) {
    state.initialCheck = state.initialCheck || initial;
    if (state.checking) { return state.checking; }
    state.checking = api("GET", CAMPAIGN_PATH).then(function (r) {
      var first = state.initialCheck;
      state.initialCheck = false;
      var fromWorker = r.headers.get(WORKER_CACHE_HEADER) === "worker";
      if (r.status === 200 && !fromWorker) {
        writeJson(CAMPAIGN_KEY, {kiosk: r.body.kiosk, campaign: r.body.campaign,
                                 checked_at: new Date().toISOString()});
        document.body.dataset.campaignSource = "network";
        takeCampaign(r.body, first);
      } else if (r.status === 401) {
        block(showUnauthorised, first);
      } else if (r.status === 403) {
        block(showRevoked, first);
      } else if (r.status === 404) {
        closed();
      } else if (first) {
        offlineCampaign(r.status === 200 ? r.body : null);
      }
    }, function () {
      var first = state.initialCheck;
      state.initialCheck = false;
      if (first) { offlineCampaign(null); }
    }).then(function () { state.checking = null; });
    return state.checking;
  }

  function takeCampaign(data, first) {
    var current = state.campaign;
    if (!first && current && current.campaign_id === data.campaign.campaign_id) {
      state.pending = null;   // the same campaign: nothing to change on the screen
      state.campaign = data.campaign;
      state.kiosk = data.kiosk;
      showBrand();
      return;
    }
    // a new campaign: a citizen who is answering finishes first (the old one still accepts)
    if (!first && busy()) {
      state.pending = function () { useCampaign(data); };
    } else {
      useCampaign(data);
    }
  }

  // No campaign accepts answers now: answers given from here on would be refused, so the
  // page stops at once, even in the middle of a questionnaire (the thank-you screen, for an
  // answer already queued, ends first).
  function closed() {
    var cached = cachedCampaign();
    var ended = (state.campaign && state.campaign.campaign_id) ||
                (cached && (cached.campaign ? cached.campaign.campaign_id : cached.ended_campaign_id)) || null;
    writeJson(CAMPAIGN_KEY, {kiosk: state.kiosk || (cached && cached.kiosk) || {kiosk_id: kioskIdOfToken()},
                             campaign: null, ended_campaign_id: ended,
                             checked_at: new Date().toISOString()});
    block(showClosed, document.body.dataset.screen !== "thanks");
  }

  // Without the network, keep serving what this device last heard: the campaign (answers
  // wait in the queue) or that there is none. The page's own copy comes first, then the
  // service worker's.
  function offlineCampaign(fromWorker) {
    var cached = cachedCampaign();
    if (cached && cached.campaign) {
      document.body.dataset.campaignSource = "local";
      useCampaign(cached);
    } else if (cached) {
      block(showClosed, true);
    } else if (fromWorker && fromWorker.campaign) {
      document.body.dataset.campaignSource = "worker";
      useCampaign(fromWorker);
    } else {
      message("Không kết nối được máy chủ", "Vui lòng kiểm tra kết nối mạng rồi thử lại.", true, "offline");
    }
  }

  function showBrand() {
    var words = purposeWords();
    $("brand").textContent = words.brand + " — " + (state.kiosk && state.kiosk.label ? state.kiosk.label : "");
    $("welcome-title").textContent = words.welcome;
    document.title = words.brand;
  }

  function useCampaign(data) {
    state.campaign = data.campaign;
    state.kiosk = data.kiosk;
    state.blocked = null;
    state.pending = null;
    showBrand();
    reset();
  }

  function flush() {
    var items = queue().slice(0, BATCH_MAX);
    if (state.flushing || !items.length || !token() || !navigator.onLine || Date.now() < state.retryAt) {
      return Promise.resolve();
    }
    state.flushing = true;
    var progressed = false;
    return api("POST", "/api/v1/kiosk/responses/batch", {responses: items}).then(function (r) {
      if (r.status !== 200) {
        if (r.status === 429) { wait(r.headers); }
        return;   // keep everything: 401/403/503 are fixed on the server, then resent
      }
      var done = [], sent = {}, closedSeen = false;
      items.forEach(function (item) { sent[item.response_id] = item; });
      (r.body.results || []).forEach(function (outcome) {
        var id = outcome.response_id;
        if (outcome.result === "accepted" || outcome.result === "duplicate") {
          done.push(id);
        } else if (outcome.error !== "rate_limited" && sent[id]) {
          // a conflict or a refusal this device cannot fix: set aside, not resent forever
          done.push(id);
          reject([{item: sent[id], error: outcome.error, message: outcome.message}]);
          closedSeen = closedSeen || outcome.error === "campaign_closed";
        }
      });
      if (closedSeen) { recheck(); }
      if (r.headers.get("Retry-After")) { wait(r.headers); }
      progressed = done.length > 0;
      removeFromQueue(done);
    }, function () { /* offline or the gateway is down: the queue stays */ })
      .then(function () {
        state.flushing = false;
        // more than one batch was waiting, or answers arrived meanwhile
        if (progressed && queue().length) { return flush(); }
      });
  }

  function wait(headers) {
    var seconds = parseInt(headers.get("Retry-After") || "60", 10);
    state.retryAt = Date.now() + (isNaN(seconds) ? 60 : seconds) * 1000;
  }

  // -- the questionnaire -------------------------------------------------------------------
  function questions() { return state.campaign.questionnaire.questions; }

  function reset() {
    window.clearTimeout(state.resetTimer);
    window.clearInterval(state.countdownTimer);
    state.answers = {};
    state.index = 0;
    state.code = null;
    if (state.pending) {
      var pending = state.pending;
      state.pending = null;
      pending();
      return;
    }
    if (!state.campaign) {
      if (state.blocked) { state.blocked(); } else { showClosed(); }
      return;
    }
    show("welcome", "start");
  }

  function begin() {
    if (!state.campaign) { reset(); return; }
    if (state.campaign.require_code) {
      $("code-input").value = "";
      $("code-error").textContent = "";
      show("code", "code-input");
    } else {
      ask(0);
    }
  }

  function ask(index) {
    state.index = index;
    var q = questions()[index];
    var total = questions().length;
    $("question-progress").textContent = "Câu " + (index + 1) + "/" + total;
    $("question-text").textContent = q.text;
    var scale = $("scale");
    scale.innerHTML = "";
    var textForm = $("text-form");
    $("back").hidden = index === 0;
    if (q.kind === "scale5") {
      scale.hidden = false;
      textForm.hidden = true;
      var labels = (state.campaign.questionnaire.scale || []);
      [1, 2, 3, 4, 5].forEach(function (value) {
        var label = LEVEL_LABELS[value];
        labels.forEach(function (l) { if (l.value === value) { label = l.label; } });
        var button = document.createElement("button");
        button.type = "button";
        button.dataset.value = String(value);
        button.setAttribute("aria-pressed", state.answers[q.id] === value ? "true" : "false");
        button.setAttribute("aria-label", value + " — " + label);
        var number = document.createElement("span");
        number.className = "level";
        number.textContent = String(value);
        var text = document.createElement("span");
        text.textContent = label;
        button.appendChild(number);
        button.appendChild(text);
        button.addEventListener("click", function () { answer(q, value); });
        scale.appendChild(button);
      });
      // The focus goes to the question, not to a level: a ring on "1" would look chosen.
      show("question", "question-text");
    } else {
      scale.hidden = true;
      textForm.hidden = false;
      $("text-answer").value = typeof state.answers[q.id] === "string" ? state.answers[q.id] : "";
      $("text-error").textContent = "";
      $("text-skip").hidden = !!q.required;
      $("text-next").textContent = index === total - 1 ? "Gửi phiếu" : "Tiếp tục";
      show("question", "text-answer");
    }
  }

  function answer(q, value) {
    if (value === null || value === "") { delete state.answers[q.id]; } else { state.answers[q.id] = value; }
    if (state.index + 1 < questions().length) { ask(state.index + 1); } else { finish(); }
  }

  var EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;
  var LONG_NUMBER = /(?:\d[\s.\-]?){9,}/;

  function submitText(event) {
    event.preventDefault();
    var q = questions()[state.index];
    var text = $("text-answer").value.trim();
    if (EMAIL.test(text) || LONG_NUMBER.test(text)) {
      $("text-error").textContent = "Xin đừng ghi email, số điện thoại hay số giấy tờ.";
      $("text-answer").focus();
      return;
    }
    if (!text && q.required) {
      $("text-error").textContent = "Vui lòng nhập ý kiến.";
      $("text-answer").focus();
      return;
    }
    answer(q, text || null);
  }

  function finish() {
    var c = state.campaign;
    if (!c) { reset(); return; }
    var item = {response_id: newUuid(), campaign_id: c.campaign_id,
                questionnaire_id: c.questionnaire_id, questionnaire_version: c.questionnaire_version,
                answers: state.answers};
    if (state.code) { item.code = state.code; }
    enqueue(item);
    flush();
    thanks();
  }

  function thanks() {
    var left = RESET_SECONDS;
    show("thanks", "again");
    var countdown = $("thanks-countdown");
    countdown.textContent = "Màn hình sẽ trở về trang đầu sau " + left + " giây.";
    state.countdownTimer = window.setInterval(function () {
      left -= 1;
      countdown.textContent = "Màn hình sẽ trở về trang đầu sau " + Math.max(left, 0) + " giây.";
    }, 1000);
    state.resetTimer = window.setTimeout(reset, RESET_SECONDS * 1000);
  }

  // -- set-up ------------------------------------------------------------------------------
  function showSetup(error) {
    $("setup-error").textContent = error || "";
    show("setup", "setup-token");
  }

  function saveSetup(event) {
    event.preventDefault();
    var value = $("setup-token").value.trim();
    if (!value) { $("setup-error").textContent = "Vui lòng nhập mã thiết bị."; return; }
    window.localStorage.setItem(TOKEN_KEY, value);
    $("setup-token").value = "";
    if (window.location.hash === "#cai-dat") { history.replaceState(null, "", window.location.pathname); }
    loadCampaign().then(flush);
  }

  function recheckSeconds() {
    var given = parseInt(new URLSearchParams(window.location.search).get("recheck"), 10);
    return isNaN(given) ? RECHECK_SECONDS : Math.min(Math.max(given, 1), 3600);
  }

  // The service worker (sw.js) keeps the page and the last campaign for a reload while
  // offline. It needs a secure context: https, or http://localhost; on a plain-http LAN the
  // page still works, but cannot be reloaded without the network.
  function registerWorker() {
    var body = document.body;
    if (!window.isSecureContext || !("serviceWorker" in navigator)) {
      body.dataset.worker = "unsupported";
      return;
    }
    var container = navigator.serviceWorker;
    body.dataset.worker = container.controller ? "active" : "installing";
    container.addEventListener("controllerchange", function () {
      var first = body.dataset.worker !== "active";
      body.dataset.worker = "active";
      // the campaign fetched before the worker took over is not in its cache yet
      if (first) { recheck(); }
    });
    container.register(WORKER_PATH, {scope: WORKER_SCOPE}).catch(function () {
      body.dataset.worker = "failed";
    });
  }

  function submitCode(event) {
    event.preventDefault();
    var code = $("code-input").value.toUpperCase().replace(/[\s-]/g, "");
    if (code.length !== 12) {
      $("code-error").textContent = "Mã phiếu gồm 12 ký tự.";
      $("code-input").focus();
      return;
    }
    state.code = code.slice(0, 4) + "-" + code.slice(4, 8) + "-" + code.slice(8);
    ask(0);
  }

  // -- keyboard: digits 1-5 choose a level on a scale question ------------------------------
  function onKey(event) {
    if (document.body.dataset.screen !== "question" || $("scale").hidden) { return; }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var button = $("scale").querySelector('button[data-value="' + event.key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  }

  function start() {
    $("setup-form").addEventListener("submit", saveSetup);
    $("code-form").addEventListener("submit", submitCode);
    $("text-form").addEventListener("submit", submitText);
    $("text-skip").addEventListener("click", function () { answer(questions()[state.index], null); });
    $("back").addEventListener("click", function () { if (state.index > 0) { ask(state.index - 1); } });
    $("start").addEventListener("click", begin);
    $("again").addEventListener("click", reset);
    $("message-retry").addEventListener("click", function () { loadCampaign().then(flush); });
    document.addEventListener("keydown", onKey);
    window.addEventListener("online", function () {
      showNetwork();
      state.retryAt = 0;
      flush();
      recheck();
    });
    window.addEventListener("offline", showNetwork);
    window.addEventListener("storage", function () { showQueue(); showRejected(); });
    window.setInterval(flush, RETRY_MS);
    window.setInterval(recheck, recheckSeconds() * 1000);
    showNetwork();
    showQueue();
    showRejected();
    registerWorker();
    if (window.location.hash === "#cai-dat" || !token()) { showSetup(); return; }
    loadCampaign().then(flush);
  }

  window.tcplKiosk = {queue: queue, flush: flush, recheck: recheck,
                     campaignId: function () { return state.campaign && state.campaign.campaign_id; }};  // for the tests and the curious
  document.addEventListener("DOMContentLoaded", start);
}());
