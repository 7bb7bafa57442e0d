// ESLint for the front-end files in digitpad/app/static (`make lint`).
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    // js_on_load bodies: Gradio runs each as a function of these names
    files: ["digitpad/app/static/*.js"],
    ignores: ["digitpad/app/static/*.template.js"],
    languageOptions: {
      sourceType: "script",
      globals: { ...globals.browser, element: "readonly", props: "readonly", trigger: "readonly", watch: "readonly" },
    },
  },
  {
    // html_template literals, wrapped in a function of the props they use
    files: ["digitpad/app/static/*.template.js"],
    languageOptions: { sourceType: "module", globals: globals.browser },
  },
];
