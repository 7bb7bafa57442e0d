// The answer view's js_on_load: a live answer from the pad whose elem_id is `props.pad_id` becomes this view's
// value (and so its rendering).
window.addEventListener("digitpad-answer", (e) => {
  const pad = document.getElementById(props.pad_id);
  if (pad && pad.contains(e.target) && element.isConnected) props.value = e.detail.answer;
});
