// Intake by keyboard alone: Ctrl+Enter (or Cmd+Enter) records the call from any box.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const form = document.getElementById("intake-form");
  if (form && form.contains(event.target)) {
    event.preventDefault();
    form.requestSubmit();
  }
});
