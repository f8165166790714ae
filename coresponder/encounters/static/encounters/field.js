/* The field view: autosave that survives a dropped connection, and never overwrites a
   colleague.

   Each section's unsent words live in localStorage (one key per user, encounter and
   section) from the moment they are typed:
     draft   — typed, not yet sent: fields, and for each the value the typing started from
     sending — sent at least once with its save_id, answer unknown: resent as it is, with
               the same save_id, so the server takes it once however often it arrives
   A save is a PUT to the JSON API with content, base and save_id. 200: saved. 409 with
   `current`: a colleague (or this user's other device) changed a field since; both
   versions are shown and nothing is saved until the user keeps theirs or takes the other.
   Sends are retried when the phone comes back online and on a timer. Each assessment
   instrument (the C-SSRS and every other one offered) applies its skip logic as it is
   answered, saves its answers the same way, and shows the server's result. */
(function () {
  "use strict";

  var root = document.querySelector("[data-field-view]");
  if (!root) return;
  var encounterId = root.dataset.encounter;
  var api = root.dataset.api;
  var csrf = root.dataset.csrf;
  var WORDS = readJson("field-words") || {};
  var DEBOUNCE_MS = 1000;
  var RETRY_MS = 5000;
  var sections = [];
  var assessments = [];
  var barEl = root.querySelector("[data-sync-status]");

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    try { return JSON.parse(el.textContent); } catch (e) { return null; }
  }

  function storeKey(kind) {
    return "coresponder:draft:" + root.dataset.user + ":" + encounterId + ":" + kind;
  }

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  // Set when the user signs out of this phone: a flush started by the page hiding (or
  // the retry timer) must not write back the words sign-out has just deleted.
  var signedOut = false;
  document.addEventListener("coresponder:signing-out", function () { signedOut = true; });

  function save(key, value) {
    if (signedOut && value) return;
    try {
      if (value) window.localStorage.setItem(key, JSON.stringify(value));
      else window.localStorage.removeItem(key);
    } catch (e) { /* storage full or refused: the words stay in the page */ }
  }

  function newSaveId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function same(a, b) {
    return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
  }

  // "Saved 10:51" on the page's clock, the program's time zone the server names on <body>,
  // not the phone's: the times beside it come from the server on that clock.
  var zone = document.body.getAttribute("data-time-zone") || undefined;
  var clockFormat = null;
  try {
    clockFormat = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch (e) { clockFormat = null; /* an old browser or an unknown zone: the phone's clock */ }

  function clock(now) {
    now = now || new Date();
    if (clockFormat) return clockFormat.format(now);
    return ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2);
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = {};
        try { data = text ? JSON.parse(text) : {}; } catch (e) { data = {}; }
        return { status: response.status, ok: response.ok, body: data };
      });
    });
  }

  // A failure the next attempt may cure: no answer, the server down, the session ended.
  function transient(status) {
    return status === 401 || status === 408 || status === 429 || status >= 500;
  }

  /* Fields ------------------------------------------------------------------------- */

  function readField(wrapper) {
    var type = wrapper.dataset.type;
    var name = wrapper.dataset.field;
    if (type === "choices") {
      return Array.prototype.map.call(
        wrapper.querySelectorAll("input[name='" + name + "']:checked"), function (i) { return i.value; });
    }
    if (type === "choice" || type === "yes_no") {
      var picked = wrapper.querySelector("input[name='" + name + "']:checked");
      if (type === "yes_no") return picked ? picked.value === "yes" : null;
      return picked ? picked.value : "";
    }
    return wrapper.querySelector("textarea, input").value;
  }

  function writeField(wrapper, value) {
    var type = wrapper.dataset.type;
    if (type === "choices" || type === "choice" || type === "yes_no") {
      var wanted = type === "choices" ? (value || []) : [type === "yes_no" ? (value === true ? "yes" : value === false ? "no" : "") : value];
      wrapper.querySelectorAll("input").forEach(function (input) { input.checked = wanted.indexOf(input.value) !== -1; });
      return;
    }
    wrapper.querySelector("textarea, input").value = value == null ? "" : value;
  }

  function inWords(wrapper, value) {
    if (value == null || value === "" || (Array.isArray(value) && !value.length)) return WORDS.empty;
    var type = wrapper.dataset.type;
    if (type === "yes_no") return value ? WORDS.yes : WORDS.no;
    if (type === "choices" || type === "choice") {
      var codes = Array.isArray(value) ? value : [value];
      return codes.map(function (code) {
        var input = wrapper.querySelector("input[value='" + code + "']");
        return input ? input.parentNode.textContent.trim() : code;
      }).join(", ");
    }
    return String(value);
  }

  function labelOf(wrapper) {
    var label = wrapper.querySelector("label, legend");
    return label ? label.textContent.trim() : wrapper.dataset.field;
  }

  /* A section's autosave ------------------------------------------------------------ */

  function Section(form) {
    this.form = form;
    this.kind = form.dataset.section;
    this.key = storeKey(this.kind);
    this.server = readJson("content-" + this.kind) || {};
    this.statusEl = form.querySelector("[data-section-status]");
    this.conflictEl = form.querySelector("[data-conflict]");
    this.state = load(this.key) || { draft: null, sending: null };
    this.busy = false;
    this.timer = null;
    this.conflict = null;
    this.halted = "";
    this.status = "";
    var self = this;
    form.addEventListener("input", function (event) { self.onEdit(event); });
    form.addEventListener("change", function (event) { self.onEdit(event); self.flushSoon(0); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (self.pending()) self.flushSoon(0);
      else if (!self.conflict && !self.halted) self.show("saved");
    });
    this.restore();
  }

  Section.prototype.wrapper = function (name) {
    return this.form.querySelector("[data-field='" + name + "']");
  };

  Section.prototype.pending = function () {
    return !!(this.state.draft || this.state.sending);
  };

  Section.prototype.persist = function () {
    save(this.key, this.pending() ? this.state : null);
  };

  Section.prototype.show = function (status, extra) {
    this.status = status;
    var text = WORDS[status] || status;
    if (status === "saved") text = WORDS.saved + " " + clock();
    if (extra) text += ": " + extra;
    this.statusEl.textContent = text;
    this.statusEl.dataset.state = status;
    updateBar();
  };

  Section.prototype.restore = function () {
    if (!this.pending()) return;
    var self = this;
    [this.state.sending, this.state.draft].forEach(function (part) {
      if (!part) return;
      Object.keys(part.content).forEach(function (name) {
        var wrapper = self.wrapper(name);
        if (wrapper) writeField(wrapper, part.content[name]);
      });
    });
    this.show(navigator.onLine ? "pending" : "offline");
    this.flushSoon(0);
  };

  Section.prototype.onEdit = function (event) {
    var wrapper = event.target.closest("[data-field]");
    if (!wrapper) return;
    var name = wrapper.dataset.field;
    var value = readField(wrapper);
    if (value === null) return;
    var state = this.state;
    if (!state.draft) state.draft = { content: {}, base: {} };
    if (!Object.prototype.hasOwnProperty.call(state.draft.base, name)) {
      // What the server will hold when this edit is sent: the value being sent, if any,
      // else the stored one. null: the field was never stored.
      var from = state.sending && Object.prototype.hasOwnProperty.call(state.sending.content, name)
        ? state.sending.content[name] : this.server[name];
      state.draft.base[name] = from === undefined ? null : from;
    }
    state.draft.content[name] = value;
    this.persist();
    if (!this.conflict && !this.halted) this.show(navigator.onLine ? "pending" : "offline");
    this.flushSoon(DEBOUNCE_MS);
  };

  Section.prototype.flushSoon = function (delay) {
    var self = this;
    window.clearTimeout(this.timer);
    // Marked while an autosave waits, so a test can wait for it to have run.
    this.statusEl.dataset.autosave = "due";
    this.timer = window.setTimeout(function () {
      delete self.statusEl.dataset.autosave;
      self.flush();
    }, delay);
  };

  function baseOf(base) {
    var out = {};
    Object.keys(base).forEach(function (name) { if (base[name] !== null) out[name] = base[name]; });
    return out;
  }

  // Resolves when nothing more can be sent now.
  Section.prototype.flush = function () {
    var self = this;
    var state = this.state;
    if (this.busy) return this.busy;
    if (signedOut || this.conflict || this.halted || !this.pending()) return Promise.resolve();
    // A text past its limit (core/text_limit.js counts it) waits, kept, until shortened.
    if (this.form.querySelector("[data-over-limit]")) { this.show("too_long"); return Promise.resolve(); }
    if (!navigator.onLine) { this.show("offline"); return Promise.resolve(); }
    if (!state.sending) {
      state.sending = { content: state.draft.content, base: state.draft.base, save_id: newSaveId() };
      state.draft = null;
      this.persist();
    }
    var sending = state.sending;
    this.show("saving");
    this.busy = send("PUT", api + "/sections/" + this.kind, {
      content: sending.content, base: baseOf(sending.base), save_id: sending.save_id
    }).then(function (answer) {
      self.busy = null;
      if (answer.ok) return self.saved(sending, answer.body);
      if (answer.status === 409 && answer.body.current) return self.conflicted(sending, answer.body);
      if (transient(answer.status)) {
        self.show(answer.status === 401 ? "signed_out" : "retrying");
        return null;
      }
      return self.failed(answer.body, answer.status);
    }, function () {
      self.busy = null;
      self.show(navigator.onLine ? "retrying" : "offline");
    }).then(function (more) {
      if (more) return self.flush();
      return null;
    });
    return this.busy;
  };

  Section.prototype.saved = function (sent, body) {
    var self = this;
    var state = this.state;
    state.sending = null;
    this.server = body.content || {};
    // A resent save the server had already taken answers with what is stored now: show
    // it in the fields the user has not typed in since.
    Object.keys(sent.content).forEach(function (name) {
      if (state.draft && Object.prototype.hasOwnProperty.call(state.draft.content, name)) return;
      var wrapper = self.wrapper(name);
      if (wrapper && !same(readField(wrapper), self.server[name])) writeField(wrapper, self.server[name]);
    });
    this.persist();
    if (state.draft) return true;
    this.show("saved");
    return false;
  };

  Section.prototype.conflicted = function (sent, body) {
    var state = this.state;
    var mine = {};
    Object.keys(sent.content).forEach(function (name) { mine[name] = sent.content[name]; });
    if (state.draft) Object.keys(state.draft.content).forEach(function (name) { mine[name] = state.draft.content[name]; });
    // Kept as a draft until the user chooses, so a reload does not lose it.
    state.sending = null;
    state.draft = { content: mine, base: (state.draft && state.draft.base) || sent.base };
    this.persist();
    this.server = body.current.content || {};
    this.conflict = { fields: Object.keys(body.fields || {}), reasons: body.fields || {}, message: body.message };
    this.renderConflict();
    this.show("conflict");
    return false;
  };

  Section.prototype.renderConflict = function () {
    var self = this;
    var box = this.conflictEl;
    box.textContent = "";
    var title = document.createElement("h3");
    title.textContent = this.conflict.message;
    box.appendChild(title);
    this.conflict.fields.forEach(function (name) {
      var wrapper = self.wrapper(name);
      if (!wrapper) return;
      var heading = document.createElement("p");
      heading.className = "fv-strong";
      heading.textContent = labelOf(wrapper);
      box.appendChild(heading);
      [["theirs", self.server[name]], ["yours", self.state.draft.content[name]]].forEach(function (pair) {
        var who = document.createElement("p");
        who.className = "fv-meta";
        // The server's reason names who changed it; the words are the fallback.
        var reason = (self.conflict.reasons[name] || [])[0];
        who.textContent = pair[0] === "theirs" && reason ? reason : WORDS[pair[0]];
        var quote = document.createElement("blockquote");
        quote.dataset.version = pair[0];
        quote.textContent = inWords(wrapper, pair[1]);
        box.appendChild(who);
        box.appendChild(quote);
      });
    });
    var actions = document.createElement("div");
    actions.className = "fv-conflict__actions";
    [["keep_mine", function () { self.keepMine(); }], ["take_theirs", function () { self.takeTheirs(); }]].forEach(function (pair) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = WORDS[pair[0]];
      button.dataset.choice = pair[0];
      button.addEventListener("click", pair[1]);
      actions.appendChild(button);
    });
    box.appendChild(actions);
    box.hidden = false;
  };

  Section.prototype.resolved = function (content) {
    var self = this;
    this.conflict = null;
    this.conflictEl.hidden = true;
    this.conflictEl.textContent = "";
    var base = {};
    Object.keys(content).forEach(function (name) {
      base[name] = self.server[name] === undefined ? null : self.server[name];
    });
    this.state.draft = Object.keys(content).length ? { content: content, base: base } : null;
    this.persist();
    if (this.pending()) this.flushSoon(0);
    else this.show("saved");
  };

  // Keep mine: send my words again, now knowing what they replace.
  Section.prototype.keepMine = function () {
    this.resolved(this.state.draft.content);
  };

  // Take theirs: their words in the clashing fields; my other fields still go.
  Section.prototype.takeTheirs = function () {
    var self = this;
    var rest = {};
    var clashing = this.conflict.fields;
    Object.keys(this.state.draft.content).forEach(function (name) {
      if (clashing.indexOf(name) === -1) rest[name] = self.state.draft.content[name];
    });
    clashing.forEach(function (name) {
      var wrapper = self.wrapper(name);
      if (wrapper) writeField(wrapper, self.server[name]);
    });
    this.resolved(rest);
  };

  Section.prototype.failed = function (body, status) {
    // Refused for good (signed meanwhile, not allowed, invalid): the words stay in the
    // fields and on the phone until the user discards them or reloads the page.
    var details = [];
    Object.keys(body.fields || {}).forEach(function (name) { details = details.concat(body.fields[name]); });
    this.halted = [body.message || "HTTP " + status].concat(details, [WORDS.reload_hint]).join(" ");
    this.show("failed", this.halted);
    var self = this;
    var box = this.conflictEl;
    box.textContent = "";
    var text = document.createElement("p");
    text.textContent = this.halted;
    var discard = document.createElement("button");
    discard.type = "button";
    discard.textContent = WORDS.discard;
    discard.addEventListener("click", function () {
      self.state = { draft: null, sending: null };
      self.halted = "";
      self.persist();
      window.location.reload();
    });
    box.appendChild(text);
    box.appendChild(discard);
    box.hidden = false;
    return false;
  };

  /* Assessment instruments ---------------------------------------------------------- */

  // Each instrument's form applies its skip logic as it is answered, from the definition
  // embedded in the page, sends the answers to the questions asked, and shows the result
  // the server computed.

  function holds(condition, answers) {
    var kinds = Object.keys(condition || {});
    if (!kinds.length) return true;
    var kind = kinds[0];
    var value = condition[kind];
    if (kind === "yes") return answers[value] === true;
    if (kind === "no") return answers[value] === false;
    if (kind === "answered") return !empty(answers[value]);
    if (kind === "equals") return same(answers[value.question], value.value);
    if (kind === "any") return value.some(function (inner) { return holds(inner, answers); });
    if (kind === "all") return value.every(function (inner) { return holds(inner, answers); });
    return false;
  }

  function empty(value) {
    return value == null || value === "" || (Array.isArray(value) && !value.length);
  }

  // As the server reads the form without this script (views/field.py).
  var CONTACT_SEPARATOR = /\s*[\u2014\u2013]\s*|\s+-\s+/g;
  var NUMBER = /^-?\d+(?:[.,]\d+)?$/;

  function lines(text) {
    return String(text || "").split(/\r?\n/).map(function (line) { return line.trim(); })
      .filter(function (line) { return line; });
  }

  function contactOf(line) {
    var last = null;
    var match;
    CONTACT_SEPARATOR.lastIndex = 0;
    while ((match = CONTACT_SEPARATOR.exec(line))) last = match;
    if (!last) return { name: line, phone: "" };
    return { name: line.slice(0, last.index).trim(), phone: line.slice(last.index + last[0].length).trim() };
  }

  function contactLine(contact) {
    return contact.phone ? contact.name + " \u2014 " + contact.phone : contact.name;
  }

  // A typed number; anything else goes as typed, for the server to refuse by name.
  function numberOf(text) {
    return NUMBER.test(text) ? Number(text.replace(",", ".")) : text;
  }

  function readAnswer(form, question) {
    var field = form.elements.namedItem(question.key);
    if (!field) return null;
    var kind = question.answer;
    var text = field.value || "";
    if (kind === "yes_no") return text === "yes" ? true : text === "no" ? false : null;
    if (!text.trim()) return null;
    if (kind === "choice") return text;
    if (kind === "number") return numberOf(text.trim());
    if (kind === "date") return text.trim();
    if (kind === "list") return lines(text);
    if (kind === "contacts") return lines(text).map(contactOf);
    return text;
  }

  function writeAnswer(form, question, value) {
    var field = form.elements.namedItem(question.key);
    if (!field) return;
    var kind = question.answer;
    if (kind === "yes_no" || kind === "choice") {
      var wanted = value === true ? "yes" : value === false ? "no" : value == null ? "" : String(value);
      Array.prototype.forEach.call(field, function (input) { input.checked = input.value === wanted; });
      return;
    }
    if (empty(value)) field.value = "";
    else if (kind === "list") field.value = value.join("\n");
    else if (kind === "contacts") field.value = value.map(contactLine).join("\n");
    else field.value = String(value);
  }

  function required(question) {
    return question.required === undefined ? question.answer === "yes_no" : !!question.required;
  }

  function InstrumentForm(form, definition) {
    this.form = form;
    this.definition = definition;
    this.questions = definition.questions || [];
    this.key = form.dataset.instrument;
    this.id = form.dataset.assessment || "";
    this.storeKey = storeKey("screener:" + this.key);
    this.card = form.closest("[data-instrument-card]") || root;
    this.statusEl = form.querySelector("[data-instrument-status]");
    this.result = this.card.querySelector("[data-result]");
    this.badge = this.card.querySelector("[data-result-badge]");
    this.boxes = {};
    form.querySelectorAll("[data-question]").forEach(function (box) { this.boxes[box.dataset.question] = box; }, this);
    this.busy = null;
    this.status = "";
    var self = this;
    var kept = load(this.storeKey);
    if (kept && kept.answers) {
      if (kept.id && !this.id) this.id = kept.id;
      this.write(kept.answers);
    }
    form.addEventListener("input", function () { self.edited(DEBOUNCE_MS); });
    form.addEventListener("change", function () { self.edited(400); });
    form.addEventListener("submit", function (event) { event.preventDefault(); self.flush(); });
    this.apply();
    if (kept && kept.answers) {
      // Sent before the page was left, perhaps: look for the assessment before making one.
      if (this.card.tagName === "DETAILS") this.card.open = true;
      this.dirty = true;
      this.uncertain = !this.id;
      this.flush();
    }
  }

  InstrumentForm.prototype.raw = function () {
    var answers = {};
    this.questions.forEach(function (question) {
      var value = readAnswer(this.form, question);
      if (!empty(value)) answers[question.key] = value;
    }, this);
    return answers;
  };

  InstrumentForm.prototype.write = function (answers) {
    this.questions.forEach(function (question) {
      if (Object.prototype.hasOwnProperty.call(answers, question.key)) {
        writeAnswer(this.form, question, answers[question.key]);
      }
    }, this);
  };

  // The answers to the questions asked, in order: an answer to a skipped one is not sent.
  InstrumentForm.prototype.answers = function () {
    var raw = this.raw();
    var kept = {};
    this.questions.forEach(function (question) {
      if (holds(question.ask_if, kept) && Object.prototype.hasOwnProperty.call(raw, question.key)) {
        kept[question.key] = raw[question.key];
      }
    });
    return kept;
  };

  InstrumentForm.prototype.apply = function () {
    var kept = this.answers();
    this.questions.forEach(function (question) {
      var box = this.boxes[question.key];
      if (box) box.hidden = !holds(question.ask_if, kept);
    }, this);
  };

  InstrumentForm.prototype.stillNeeded = function (answers) {
    return this.questions.filter(function (question) {
      return required(question) && holds(question.ask_if, answers) && empty(answers[question.key]);
    }).map(function (question) { return question.number || question.text; });
  };

  InstrumentForm.prototype.showErrors = function (fields) {
    Object.keys(this.boxes).forEach(function (key) {
      var el = this.boxes[key].querySelector("[data-question-error]");
      if (!el) return;
      var problems = (fields || {})[key] || [];
      el.textContent = problems.join(" ");
      el.hidden = !problems.length;
    }, this);
  };

  InstrumentForm.prototype.show = function (status, extra) {
    this.status = status;
    var text = status === "saved" ? WORDS.saved + " " + clock() : (WORDS[status] || status);
    this.statusEl.textContent = extra ? text + ": " + extra : text;
    this.statusEl.dataset.state = status;
    updateBar();
  };

  InstrumentForm.prototype.pending = function () { return !!this.dirty; };

  InstrumentForm.prototype.edited = function (delay) {
    this.apply();
    this.dirty = true;
    save(this.storeKey, { id: this.id, answers: this.answers() });
    this.show(navigator.onLine ? "pending" : "offline");
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.flush(); }, delay);
  };

  InstrumentForm.prototype.flush = function () {
    var self = this;
    if (this.busy) return this.busy;
    if (!this.dirty) return Promise.resolve();
    if (!navigator.onLine) { this.show("offline"); return Promise.resolve(); }
    window.clearTimeout(this.timer);
    var answers = this.answers();
    this.dirty = false;
    this.show("saving");
    // After a failed first save the assessment may have been made after all: look
    // before making a second one.
    var found = this.id || !this.uncertain ? Promise.resolve(this.id) : send("GET", api).then(function (answer) {
      var mine = (answer.body.assessments || []).filter(function (a) { return a.instrument === self.key; });
      return mine.length ? mine[mine.length - 1].id : "";
    });
    this.busy = found.then(function (id) {
      self.id = id || "";
      return self.id
        ? send("PUT", api + "/assessments/" + self.id, { answers: answers })
        : send("POST", api + "/assessments", { instrument: self.key, answers: answers });
    }).then(function (answer) {
      self.busy = null;
      if (answer.ok) {
        self.uncertain = false;
        self.id = answer.body.id;
        self.form.dataset.assessment = self.id;
        self.showErrors({});
        self.showResult(answer.body, answers);
        if (self.dirty) return self.flush();
        save(self.storeKey, null);
        self.show("saved");
        return null;
      }
      if (transient(answer.status)) {
        self.dirty = true;
        self.show(answer.status === 401 ? "signed_out" : "retrying");
        return null;
      }
      // Refused (an answer of the wrong kind): said beside the question; the answers stay
      // on the phone until they are changed.
      self.showErrors(answer.body.fields);
      self.show("failed", answer.body.message || "");
      return null;
    }, function () {
      self.busy = null;
      self.dirty = true;
      self.uncertain = !self.id;
      self.show(navigator.onLine ? "retrying" : "offline");
    });
    return this.busy;
  };

  InstrumentForm.prototype.showResult = function (body, answers) {
    var box = this.result;
    var banded = (this.definition.bands || []).length > 0;
    var label;
    var line;
    var kind;
    if (banded) {
      var band = this.definition.bands.filter(function (b) { return b.level === body.level; })[0] || {};
      label = body.label || "";
      line = body.complete ? WORDS.complete : WORDS.so_far + " \u2014 " + WORDS.incomplete;
      kind = body.level || "none";
      box.querySelector("[data-result-says]").textContent = band.says || "";
      box.querySelector("[data-result-action]").textContent = band.action || "";
    } else {
      label = body.complete ? WORDS.complete_word : WORDS.not_complete;
      var needed = this.stillNeeded(answers);
      line = body.complete || !needed.length ? "" : WORDS.still_needed + " " + needed.join(", ");
      kind = body.complete ? "complete" : "none";
    }
    box.className = "fv-result fv-result--" + kind + (body.complete ? "" : " fv-result--partial");
    box.querySelector("[data-result-label]").textContent = label;
    box.querySelector("[data-result-complete]").textContent = line;
    box.hidden = false;
    if (this.badge) {
      this.badge.textContent = banded && label ? label : (body.complete ? WORDS.complete_word : WORDS.not_complete);
      this.badge.className = "fv-badge fv-badge--" + kind;
    }
  };

  /* The disposition's conditional fields ---------------------------------------------- */

  function setUpDisposition(form) {
    function apply() {
      var picked = form.querySelector("input[name=disposition]:checked");
      var value = picked ? picked.value : "";
      form.querySelectorAll("[data-show-for]").forEach(function (part) {
        part.hidden = part.dataset.showFor.split(" ").indexOf(value) === -1;
      });
    }
    form.addEventListener("change", apply);
    apply();
  }

  // A link (or the form posted without this script) to a closed card opens it.
  function openTarget() {
    var target = window.location.hash ? document.getElementById(window.location.hash.slice(1)) : null;
    var card = target && target.closest("details");
    if (card) {
      card.open = true;
      target.scrollIntoView();
    }
  }

  /* Everything together ---------------------------------------------------------------- */

  function everything() {
    return sections.concat(assessments);
  }

  function updateBar() {
    if (!barEl) return;
    var order = ["conflict", "failed", "too_long", "signed_out", "offline", "retrying", "saving", "pending", "saved"];
    var worst = "";
    everything().forEach(function (part) {
      var status = part.status;
      if (status && (!worst || order.indexOf(status) < order.indexOf(worst))) worst = status;
    });
    if (!worst) { barEl.hidden = true; return; }
    barEl.hidden = false;
    barEl.dataset.state = worst;
    barEl.textContent = worst === "saved" ? WORDS.all_saved + " " + clock() : WORDS[worst];
  }

  function flushAll() {
    return Promise.all(everything().map(function (part) { return part.flush(); }));
  }

  // Signing or completing waits until the words on screen are saved.
  function guardSubmit(form) {
    form.addEventListener("submit", function (event) {
      var only = form.dataset.needsSent;
      var parts = everything().filter(function (part) { return !only || part.kind === only; });
      if (!parts.some(function (part) { return part.pending() || part.conflict || part.halted; })) return;
      event.preventDefault();
      flushAll().then(function () {
        if (parts.some(function (part) { return part.pending() || part.conflict || part.halted; })) {
          window.alert(WORDS.send_first);
          return;
        }
        form.submit();
      });
    });
  }

  // Words kept for a section that can no longer be edited here (signed, or the record
  // completed, since they were typed): shown beside it to copy into an addendum.
  function showOrphans() {
    var prefix = storeKey("");
    var editable = sections.map(function (section) { return section.kind; });
    for (var i = window.localStorage.length - 1; i >= 0; i--) {
      var key = window.localStorage.key(i);
      if (!key || key.indexOf(prefix) !== 0) continue;
      var kind = key.slice(prefix.length);
      if (kind.indexOf("screener:") === 0 || editable.indexOf(kind) !== -1) continue;
      var home = document.getElementById("section-" + kind);
      var state = load(key);
      if (!home || !state) continue;
      var words = [];
      [state.sending, state.draft].forEach(function (part) {
        if (!part) return;
        Object.keys(part.content).forEach(function (name) {
          if (typeof part.content[name] === "string" && part.content[name]) words.push(part.content[name]);
        });
      });
      var box = document.createElement("div");
      box.className = "fv-conflict";
      box.setAttribute("role", "alert");
      var title = document.createElement("p");
      title.className = "fv-strong";
      title.textContent = WORDS.orphan;
      var quote = document.createElement("blockquote");
      quote.textContent = words.join("\n\n");
      var discard = document.createElement("button");
      discard.type = "button";
      discard.textContent = WORDS.discard;
      discard.addEventListener("click", (function (k, b) {
        return function () { save(k, null); b.remove(); };
      }(key, box)));
      box.appendChild(title);
      box.appendChild(quote);
      box.appendChild(discard);
      home.insertBefore(box, home.children[1] || null);
    }
  }

  root.querySelectorAll("form[data-section]").forEach(function (form) { sections.push(new Section(form)); });
  try { showOrphans(); } catch (e) { /* storage unavailable */ }
  root.querySelectorAll("form[data-instrument]").forEach(function (form) {
    var definition = readJson("instrument-" + form.dataset.instrument);
    if (definition) assessments.push(new InstrumentForm(form, definition));
  });
  openTarget();
  window.addEventListener("hashchange", openTarget);
  root.querySelectorAll("form[data-disposition]").forEach(setUpDisposition);
  root.querySelectorAll("form[data-needs-sent]").forEach(guardSubmit);

  window.addEventListener("online", function () { flushAll(); });
  window.addEventListener("offline", function () {
    everything().forEach(function (part) { if (part.pending()) part.show("offline"); });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flushAll();
  });
  window.setInterval(function () {
    everything().forEach(function (part) { if (part.pending() && !part.busy) part.flush(); });
  }, RETRY_MS);
}());
