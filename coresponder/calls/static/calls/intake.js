// Intake by keyboard alone: Ctrl+Enter (or Cmd+Enter) records the call from any box.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = document.getElementById("intake-form");
  if (form && form.contains(event.target)) {
    event.preventDefault();
    form.requestSubmit();
  }
});

// A group of boxes ([data-check-group]) is one Tab stop, as a toolbar is (WAI-ARIA's
// roving tabindex): the arrow keys, Home and End move between the boxes, Space ticks the
// one focused, and typing the start of a box's words jumps to it ("su" to "Suicidal
// thoughts", "vet" to "A veteran needing support"). The boxes stay checkboxes, so the
// form posts as it does without a script, where each box is its own stop.
//
// A word typed ends with any other key (Space, Tab, an arrow), not after a pause: what
// a key does never depends on how fast the machine is.

function words(box) {
  const label = box.labels && box.labels[0];
  return (label ? label.textContent : box.value).trim().toLowerCase();
}

// The words' start first; failing that, the start of any word in them.
const MATCHES = [
  (text, typed) => text.startsWith(typed),
  (text, typed) => text.split(/[\s,-]+/).some((word) => word.startsWith(typed)),
];

function setUpGroup(group) {
  const boxes = Array.from(group.querySelectorAll("input[type=checkbox]"));
  if (!boxes.length) return;
  let typed = "";
  let typedFrom = 0;

  function makeCurrent(box) {
    for (const other of boxes) other.tabIndex = other === box ? 0 : -1;
  }

  function find(wanted, from) {
    for (const match of MATCHES) {
      for (let step = 0; step < boxes.length; step++) {
        const box = boxes[(from + step) % boxes.length];
        if (match(words(box), wanted)) return box;
      }
    }
    return null;
  }

  // The stop is the first ticked box (where the call-taker left off), else the first.
  makeCurrent(boxes.find((box) => box.checked) || boxes[0]);
  group.addEventListener("focusin", (event) => {
    if (boxes.includes(event.target)) makeCurrent(event.target);
  });
  group.addEventListener("focusout", (event) => {
    if (!group.contains(event.relatedTarget)) typed = "";
  });

  group.addEventListener("keydown", (event) => {
    const at = boxes.indexOf(event.target);
    if (at < 0 || event.ctrlKey || event.metaKey || event.altKey) return;
    const moves = {
      ArrowDown: at + 1,
      ArrowRight: at + 1,
      ArrowUp: at - 1,
      ArrowLeft: at - 1,
      Home: 0,
      End: boxes.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      typed = "";
      const box = boxes[(moves[event.key] + boxes.length) % boxes.length];
      makeCurrent(box);
      box.focus();
      return;
    }
    if (event.key.length !== 1 || !/\S/.test(event.key)) {
      typed = ""; // Space ticks, Tab leaves: either ends the word typed
      return;
    }
    event.preventDefault();
    const letter = event.key.toLowerCase();
    let box = null;
    if (typed && [...typed].every((c) => c === letter)) {
      // The same letter again steps to the next box it starts, as in a list box.
      typed += letter;
      box = find(letter, at + 1);
    } else if (typed) {
      box = find(typed + letter, typedFrom);
      typed += letter;
    }
    if (!box) {
      // A new word, from the box the call-taker is on.
      typed = letter;
      typedFrom = at;
      box = find(letter, at);
    }
    if (box) {
      makeCurrent(box);
      box.focus();
    }
  });
}

function setUpGroups() {
  document.querySelectorAll("[data-check-group]").forEach(setUpGroup);
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpGroups);
} else {
  setUpGroups();
}
