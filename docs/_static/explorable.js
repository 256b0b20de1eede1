// Explorable figures: each slider picks one of the frames drawn at build
// time (see docs/sphinxext/explorable.py) and shows the value it stands for.
// Nothing is computed here: every frame was drawn by the package's estimators.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("figure.sknn-explorable").forEach(function (figure) {
    var img = figure.querySelector("img.sknn-explorable-frame");
    var base = figure.getAttribute("data-base");
    var inputs = Array.from(figure.querySelectorAll("input[type=range]"));
    var preloaded = false;

    var frame = function () {
      return base + inputs.map(function (input) { return input.value; }).join("-") + ".png";
    };

    var preload = function () {
      // Fetch every frame once the reader starts moving a slider, so the
      // next positions show at once.
      if (preloaded) { return; }
      preloaded = true;
      var sizes = inputs.map(function (input) { return Number(input.max) + 1; });
      var visit = function (prefix, k) {
        if (k === sizes.length) {
          new Image().src = base + prefix.join("-") + ".png";
          return;
        }
        for (var i = 0; i < sizes[k]; i++) { visit(prefix.concat([i]), k + 1); }
      };
      visit([], 0);
    };

    inputs.forEach(function (input) {
      var labels = JSON.parse(input.getAttribute("data-labels"));
      var output = figure.querySelector('output[for="' + input.id + '"]');
      input.addEventListener("input", function () {
        var label = labels[Number(input.value)];
        output.textContent = label;
        input.setAttribute("aria-valuetext", label);
        img.src = frame();
        preload();
      });
    });
  });
});
