// The member pickers of the visit and pairing forms: Enter in a search box picks the first person
// found instead of submitting the form, and after a pick the box and its results are cleared.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.classList || !box.classList.contains("member-search")) return;
    event.preventDefault();
    var results = box.parentNode.querySelector(".results");
    var first = results && results.querySelector("button.result");
    if (first) first.click();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || (target.id !== "chosen-member" && target.id !== "visitor-chips")) return;
    var picker = target.closest(".member-picker");
    var box = picker && picker.querySelector("input.member-search");
    if (!box) return;
    box.value = "";
    picker.querySelector(".results").innerHTML = "";
    box.focus();
  });
})();
