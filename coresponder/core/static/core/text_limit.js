/* Long text never cut silently. A browser stops a field at its `maxlength` without a
   word, and cuts a pasted text there. For long texts (notes, summaries: a limit of 1,000
   characters or more) this script lifts that limit and counts instead: the count shows
   from 80% of the limit, and past it the field says how many characters are too many and
   its form is not sent (the words stay in the field). The server refuses past the limit
   too; this only says so before sending. The field view's autosave holds a section whose
   text is too long (encounters/field.js reads `data-over-limit`).

   Counted as the server counts: characters, not UTF-16 units, and a line break of a
   normally posted form as the two characters (CR LF) the browser sends; a form sent as
   JSON (`data-sends-json`) sends one. */
(function () {
  "use strict";

  var script = document.currentScript;
  var LONG = 1000;
  var SHOWN_FROM = 0.8;
  var words = {
    count: (script && script.dataset.count) || "{n} / {limit}",
    over: (script && script.dataset.over) || "{n} / {limit}: {over} too many, shorten to send"
  };
  var locale = document.documentElement.lang || undefined;
  var serial = 0;

  function number(n) {
    return n.toLocaleString(locale);
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function length(field) {
    var value = field.value || "";
    var n = Array.from(value).length;
    if (field.tagName === "TEXTAREA" && !(field.form && field.form.hasAttribute("data-sends-json"))) {
      n += (value.match(/\n/g) || []).length;
    }
    return n;
  }

  function counterOf(field) {
    return document.getElementById(field.dataset.limitCounter);
  }

  function update(field) {
    var limit = Number(field.dataset.limit);
    var n = length(field);
    var counter = counterOf(field);
    var over = n - limit;
    if (over > 0) {
      field.dataset.overLimit = String(over);
      field.setAttribute("aria-invalid", "true");
      counter.textContent = fill(words.over, { n: number(n), limit: number(limit), over: number(over) });
    } else {
      if (field.dataset.overLimit !== undefined) field.removeAttribute("aria-invalid");
      delete field.dataset.overLimit;
      counter.textContent = fill(words.count, { n: number(n), limit: number(limit) });
    }
    counter.classList.toggle("text-limit--over", over > 0);
    counter.hidden = n < limit * SHOWN_FROM;
  }

  function setUp(field) {
    if (field.dataset.limit) return;
    var limit = Number(field.getAttribute("maxlength"));
    if (!(limit >= LONG)) return;
    field.dataset.limit = String(limit);
    field.removeAttribute("maxlength");
    var counter = document.createElement("p");
    counter.className = "text-limit";
    counter.id = (field.id || "text") + "-limit-" + (++serial);
    counter.setAttribute("aria-live", "polite");
    counter.dataset.testid = "text-limit";
    field.dataset.limitCounter = counter.id;
    field.setAttribute(
      "aria-describedby",
      ((field.getAttribute("aria-describedby") || "") + " " + counter.id).trim()
    );
    field.insertAdjacentElement("afterend", counter);
    field.addEventListener("input", function () { update(field); });
    update(field);
  }

  function scan(root) {
    (root.querySelectorAll ? root : document)
      .querySelectorAll("textarea[maxlength], input[maxlength]")
      .forEach(setUp);
  }

  // Before any other handler of the form (htmx's among them): a form holding a text
  // over its limit is not sent, and the first such field takes the focus.
  window.addEventListener("submit", function (event) {
    var form = event.target;
    var over = form.querySelector ? form.querySelector("[data-over-limit]") : null;
    if (!over) return;
    event.preventDefault();
    event.stopPropagation();
    update(over);
    over.focus();
  }, true);

  scan(document);
  // Parts of pages htmx swaps in (the field view, the call's live part) are counted too.
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
