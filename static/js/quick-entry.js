// The quick entry of an activity's participants: Enter in the search box adds the first person
// found instead of submitting the form, and after each addition the box is emptied and focused
// again, so that a whole list is typed on a phone without touching anything else.
(function () {
  "use strict";
  function search() { return document.getElementById("participant-search"); }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target !== search()) return;
    event.preventDefault();
    var first = document.querySelector("#member-results button.result");
    if (first) first.click();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.target || event.detail.target.closest("#participants") === null) return;
    var box = search();
    box.value = "";
    document.getElementById("member-results").innerHTML = "";
    var empty = document.getElementById("participants-empty");
    if (empty) empty.hidden = true;
    box.focus();
  });
})();
