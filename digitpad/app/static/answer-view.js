// The answer view's js_on_load: a live answer from the pad whose elem_id is `props.pad_id` becomes this view's
// value (and so its rendering), unless the view already shows the answer to a newer value of the pad: the socket's
// answer to strokes in progress can come back after the pad has switched to Gradio events (another model chosen,
// Why? opened) and their answer to the finished drawing has arrived.
window.addEventListener("digitpad-answer", (e) => {
  const pad = document.getElementById(props.pad_id);
  if (!pad || !pad.contains(e.target) || !element.isConnected) return;
  const answer = e.detail.answer,
    newer = answer && answer.pad_version,
    shown = props.value && props.value.pad_version;
  if (!(Number.isInteger(newer) && Number.isInteger(shown) && newer < shown)) props.value = answer;
});
