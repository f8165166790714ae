/* Signing out of a shared phone: the field view keeps words not yet sent in this
   browser's storage. Before the session ends, say so, and delete them from this phone
   when the user goes ahead, so the next person to sign in here cannot find them. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-sign-out]");
  if (!form || !window.localStorage) return;
  var prefix = "coresponder:draft:" + form.dataset.user + ":";

  function unsent() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) keys.push(key);
    }
    return keys;
  }

  form.addEventListener("submit", function (event) {
    var keys = unsent();
    if (!keys.length) return;
    if (!window.confirm(form.dataset.warning)) {
      event.preventDefault();
      return;
    }
    // The field view stops writing first, so a save started as the page goes away
    // cannot put the words back.
    document.dispatchEvent(new CustomEvent("coresponder:signing-out"));
    keys.forEach(function (key) { window.localStorage.removeItem(key); });
  });
})();
