// A button that opens the browser's print dialog (the processing register is meant to be printed).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
