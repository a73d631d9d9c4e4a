// Size the comments iframe to its content, when the embed tells us its height.
(function () {
  "use strict";
  var frame = document.getElementById("comments-frame");
  window.addEventListener("message", function (e) {
    if (!frame || e.origin !== window.location.origin || e.source !== frame.contentWindow) {
      return;
    }
    var d = e.data;
    if (!d || d.type !== "moderation:height" || typeof d.height !== "number") { return; }
    frame.style.height = Math.max(300, Math.min(d.height + 20, 20000)) + "px";
  });
})();
