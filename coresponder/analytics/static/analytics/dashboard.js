/* The outcomes dashboard: draws its charts from the JSON the page carries, and redraws
   them whenever htmx swaps the dashboard for other filters. No inline script (CSP). */
(function () {
  "use strict";

  var COLOURS = ["#0f7c72", "#13315c", "#b7791f", "#7a3e9d", "#a4161a"];
  var drawn = [];

  function percentTick(value) { return value + "%"; }

  function dataset(series, index, type) {
    var colour = COLOURS[index % COLOURS.length];
    var set = {
      label: series.label,
      data: series.data,
      backgroundColor: series.kind === "line" ? colour : colour + "cc",
      borderColor: colour,
      borderWidth: series.kind === "line" ? 2 : 0,
      spanGaps: true
    };
    if (type === "trend") {
      set.type = series.kind;
      set.yAxisID = series.unit === "percent" ? "rate" : "count";
      set.order = series.kind === "line" ? 0 : 1;
      set.pointRadius = 3;
    }
    return set;
  }

  // A long category name on two or more lines, so a phone shows it whole.
  function wrap(label, width) {
    if (typeof label !== "string" || label.length <= width) { return label; }
    var lines = [], line = "";
    label.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > width) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    if (line) { lines.push(line); }
    return lines;
  }

  function config(drawing) {
    var percent = drawing.series.length && drawing.series[0].unit === "percent";
    var options = {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: drawing.type === "trend" || drawing.series.length > 1, position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (item) {
              var unit = drawing.series[item.datasetIndex].unit;
              var value = item.raw === null ? "—" : item.raw + (unit === "percent" ? "%" : "");
              return item.dataset.label + ": " + value;
            }
          }
        }
      }
    };
    var type = "bar";
    if (drawing.type === "trend") {
      options.scales = {
        count: { type: "linear", position: "left", beginAtZero: true, grace: "10%", ticks: { precision: 0 },
                 title: { display: true, text: drawing.series[0].label } },
        rate: { type: "linear", position: "right", min: 0, max: 100,
                grid: { drawOnChartArea: false }, ticks: { callback: percentTick } }
      };
    } else {
      var valueAxis = { beginAtZero: true, ticks: percent ? { callback: percentTick } : { precision: 0 } };
      if (percent) { valueAxis.max = 100; }
      if (drawing.type === "hbar") {
        options.indexAxis = "y";
        // Encounters documented here and imported outcomes, end to end in one bar.
        if (drawing.stacked) { valueAxis.stacked = true; }
        options.scales = { x: valueAxis, y: { stacked: !!drawing.stacked, ticks: { autoSkip: false } } };
      } else {
        options.scales = { y: valueAxis };
        if (drawing.axis) { options.scales.x = { title: { display: true, text: drawing.axis } }; }
      }
    }
    return {
      type: type,
      data: {
        labels: drawing.type === "hbar" ? drawing.labels.map(function (label) { return wrap(label, 20); }) : drawing.labels,
        datasets: drawing.series.map(function (series, index) { return dataset(series, index, drawing.type); })
      },
      options: options
    };
  }

  function draw() {
    drawn.forEach(function (chart) { chart.destroy(); });
    drawn = [];
    var source = document.getElementById("dash-drawings");
    if (!source || typeof window.Chart === "undefined") { return; }
    var drawings = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var drawing = drawings[canvas.dataset.chart];
      if (drawing) {
        drawn.push(new window.Chart(canvas, config(drawing)));
        canvas.dataset.drawn = "yes";  // for tests and scripts: this canvas holds its chart
      }
    });
  }

  function inDashboard(element) {
    return element && element.closest && element.closest("#dashboard");
  }

  function errorBox() { return document.querySelector("#dashboard .dash-error"); }

  // A date typed in makes the period a custom one, before htmx reads the form.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("#dashboard input[data-custom]")) {
      var period = document.getElementById("dash-period");
      if (period) { period.value = "custom"; }
    }
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var box = errorBox();
    if (box && inDashboard(event.detail.elt)) { box.hidden = true; box.textContent = ""; }
  });
  document.addEventListener("htmx:responseError", function (event) {
    var box = errorBox();
    if (box && inDashboard(event.detail.elt)) {
      box.textContent = event.detail.xhr.responseText || event.detail.xhr.statusText;
      box.hidden = false;
    }
  });
  // After a swap the old canvases are gone: draw on the new ones.
  document.addEventListener("htmx:afterSettle", function () {
    if (document.getElementById("dashboard")) { draw(); }
  });
  document.addEventListener("htmx:historyRestore", draw);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
