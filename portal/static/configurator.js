// Enhancement only: shows the running price and build time as options are chosen.
// The form works without it; the server computes the real quote.
(function () {
  var form = document.getElementById("configurator");
  if (!form) return;
  var basePrice = parseFloat(form.dataset.basePrice);
  var baseDays = parseInt(form.dataset.baseDays, 10);
  var running = form.querySelector(".running");
  function update() {
    var price = basePrice, days = baseDays;
    form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      price += parseFloat(input.dataset.price || "0");
      days += parseInt(input.dataset.days || "0", 10);
    });
    document.getElementById("running-price").textContent = price.toFixed(2);
    document.getElementById("running-days").textContent = "about " + Math.round(days / 7) + " weeks";
    running.hidden = false;
  }
  form.addEventListener("change", update);
  update();
})();
