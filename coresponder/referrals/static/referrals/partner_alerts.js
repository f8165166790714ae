// Tells a partner of a new referral while its page is open (issue 18, item 9): a short
// sound, words on the page, and the browser's notification once the partner has allowed
// it. It polls the agency's counts (nothing of any person) and speaks when their total
// grows. Without scripts the page still lists everything; e-mail reminders still go.
(function () {
  "use strict";
  var box = document.querySelector("[data-partner-alerts]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-url");
  var every = (Number(box.getAttribute("data-every")) || 30) * 1000;
  var total = Number(box.getAttribute("data-total"));
  var enable = box.querySelector("[data-alerts-enable]");
  var news = box.querySelector("[data-alerts-news]");
  var sound = null;

  function notifications() {
    return "Notification" in window;
  }

  function showChoice() {
    // The button asks once; the browser remembers the answer.
    enable.hidden = !notifications() || Notification.permission !== "default";
  }

  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      sound = sound || new Context();
      var tone = sound.createOscillator();
      var gain = sound.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.2;
      tone.connect(gain);
      gain.connect(sound.destination);
      tone.start();
      tone.stop(sound.currentTime + 0.3);
    } catch (error) {
      // No sound (a browser that refuses it before a click): the words remain.
    }
  }

  function tell() {
    news.hidden = false;
    chime();
    if (notifications() && Notification.permission === "granted") {
      var shown = new Notification(box.getAttribute("data-title"), {
        body: box.getAttribute("data-body"),
        tag: "coresponder-new-referral",
      });
      shown.onclick = function () {
        window.focus();
        window.location.href = news.querySelector("a").href;
      };
    }
  }

  function poll() {
    fetch(url, { headers: { "X-Coresponder-Poll": "1" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (counts) {
        if (!counts) return;
        if (counts.total > total) tell();
        total = counts.total;
      })
      .catch(function () {
        // Offline for a moment: the next poll asks again.
      });
  }

  enable.addEventListener("click", function () {
    // A click is what lets a browser start sound and ask for notifications.
    chime();
    Notification.requestPermission().then(showChoice);
  });
  showChoice();
  window.setInterval(poll, every);
})();
