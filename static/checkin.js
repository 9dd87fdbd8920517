/* Check-in page (templates/events/checkin.html): results as you type, one tap to
   check in or undo without a reload, and a scanner's code + Enter checks in at once.
   Without this file the page still works with plain forms. No library. */
(function () {
  "use strict";
  var root = document.querySelector("[data-checkin]");
  if (!root) return;
  var form = root.querySelector("[data-search-form]");
  var box = form.querySelector("input[name=q]");
  var results = root.querySelector("[data-results]");
  var banner = root.querySelector("[data-result]");
  var bannerText = banner.querySelector("[data-result-message]");
  var checkedIn = root.querySelector("[data-checked-in]");
  var confirmed = root.querySelector("[data-confirmed]");
  var sequence = 0;  // answers to older searches are dropped
  var timer = null;
  var COUNT_EVERY_MS = 15000;

  root.querySelector("[data-js-hint]").hidden = false;

  function ask(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = { "Accept": "application/json", "X-CSRFToken": root.dataset.csrf };
    return fetch(url, options).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function showCount(data) {
    if (typeof data.checked_in !== "number") return;
    checkedIn.textContent = data.checked_in;
    confirmed.textContent = data.confirmed;
  }

  function showResult(outcome, message) {
    banner.className = "checkin-result is-" + outcome;
    bannerText.textContent = message;
    banner.hidden = false;
    if (outcome === "refused" && navigator.vibrate) navigator.vibrate([120, 60, 120]);
  }

  function failed() {
    showResult("refused", root.dataset.error);
  }

  function remember(q) {
    history.replaceState(null, "", q ? "?q=" + encodeURIComponent(q) : location.pathname);
  }

  function search(q) {
    var mine = ++sequence;
    return ask(root.dataset.searchUrl + "?q=" + encodeURIComponent(q)).then(function (data) {
      if (mine !== sequence) return;
      results.innerHTML = data.html;
      showCount(data);
      remember(q);
    }).catch(failed);
  }

  function nextPerson() {
    sequence++;
    box.value = "";
    results.innerHTML = "";
    remember("");
    box.focus();
  }

  box.addEventListener("input", function () {
    banner.hidden = true;  // an old result must not be read as the new one
    clearTimeout(timer);
    timer = setTimeout(function () { search(box.value.trim()); }, 200);
  });

  // Enter (a scanner sends it after the code): a ticket code or URL checks in at once.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    var q = box.value.trim();
    if (!q) return;
    ask(root.dataset.enterUrl, { method: "POST", body: new URLSearchParams({ q: q }) }).then(function (data) {
      if (data.outcome === "search") return search(q);
      showResult(data.outcome, data.message);
      showCount(data);
      nextPerson();
    }).catch(failed);
  });

  // The big buttons in the results: check in, undo.
  results.addEventListener("submit", function (event) {
    var action = event.target.closest("[data-action]");
    if (!action) return;
    event.preventDefault();
    var button = action.querySelector("button");
    button.disabled = true;
    ask(action.action, { method: "POST", body: new URLSearchParams(new FormData(action)) }).then(function (data) {
      showResult(data.outcome, data.message);
      showCount(data);
      return search(box.value.trim());
    }).catch(function () {
      button.disabled = false;
      failed();
    });
  });

  // Other stewards check people in too: keep the count true while the page is open.
  setInterval(function () {
    if (!document.hidden) ask(root.dataset.countUrl).then(showCount).catch(function () {});
  }, COUNT_EVERY_MS);
})();
