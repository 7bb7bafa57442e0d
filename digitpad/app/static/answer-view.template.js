// The answer view's html_template (digitpad/app/answer_view.py): Gradio renders the template literal below with the
// props in scope (`value`: the answer, "" before the first; `side`: the preview's size in px). The Python side reads
// the text between its outer backticks; the function around it is there for the linter and the formatter only.
export default (value, side) => `
<div class="answer" data-about="${(value && value.about) || ""}"
  data-pad-version="${value && value.pad_version != null ? value.pad_version : ""}">
  <div class="verdict" id="verdict" role="status" aria-live="polite">${(value && value.verdict) || ""}</div>
  <div class="guesses${value && value.digit_like === false ? " not-digit" : ""}" id="prediction"
    aria-label="Top guesses">
    <div class="top-label">${
      (value && (value.heading || (value.top && value.top.length && value.top[0][0]))) || ""
    }</div>
    ${value && value.digit_like === false ? '<div class="closest">The closest digits:</div>' : ""}
    ${((value && value.top) || [])
      .map(
        ([digit, p], k) => `
      <div class="guess${k === 0 ? " first" : ""}">
        <span class="digit">${digit}</span>
        <span class="track"><span class="bar" style="width: ${(100 * p).toFixed(1)}%"></span></span>
        <span class="pct">${Math.round(100 * p)}%</span>
      </div>`,
      )
      .join("")}
  </div>
  <figure class="model-input" id="model-input">
    ${
      value && value.preview
        ? `<img src="${value.preview}" width="${side}" height="${side}" alt="The 28x28 picture the network read">`
        : `<div class="blank" style="width: ${side}px; height: ${side}px"></div>`
    }
    <figcaption>What the model sees (28x28)</figcaption>
  </figure>
</div>
`;
