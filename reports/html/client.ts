/**
 * The page's own script (inlined and hashed into the CSP): draw every chart from the
 * embedded specs, open every collapsed table before printing so a printout carries the
 * numbers, and mark the body as rendered (`data-rendered` = charts drawn) for tests.
 * Plain ES2017 with no dependencies beyond the global `Chart`.
 */
export const CLIENT_SCRIPT = `(function () {
  'use strict';
  var specs = JSON.parse(document.getElementById('chart-specs').textContent);
  Chart.defaults.animation = false;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', Roboto, sans-serif";
  Chart.defaults.color = '#333';
  var drawn = 0;
  specs.forEach(function (spec) {
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    var options = Object.assign({}, spec.config.options, { responsive: true, maintainAspectRatio: false });
    new Chart(canvas, { type: spec.config.type, data: spec.config.data, options: options });
    drawn++;
  });
  function expand() {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
    Object.keys(Chart.instances).forEach(function (k) { Chart.instances[k].resize(); });
  }
  window.addEventListener('beforeprint', expand);
  document.body.dataset.rendered = String(drawn);
})();
`;
