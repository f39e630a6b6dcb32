/* Draw the insights charts with Apache ECharts.
 *
 * The page carries one JSON block (id "insights-charts": {currency, charts: {name: spec}});
 * every element with data-chart="name" is drawn from charts[name] by the drawer of its kind.
 * Numbers are written in the page's language (the <html lang>).
 */
(function () {
  "use strict";
  var source = document.getElementById("insights-charts");
  if (!source || typeof echarts === "undefined") { return; }
  var payload = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || "en";
  var formats = {
    money: new Intl.NumberFormat(lang, {style: "currency", currency: payload.currency,
                                        maximumFractionDigits: 0}),
    money2: new Intl.NumberFormat(lang, {style: "currency", currency: payload.currency}),
    percent: new Intl.NumberFormat(lang, {style: "percent", maximumFractionDigits: 1}),
    number: new Intl.NumberFormat(lang, {maximumFractionDigits: 0}),
    decimal: new Intl.NumberFormat(lang, {maximumFractionDigits: 2}),
    compact: new Intl.NumberFormat(lang, {notation: "compact", maximumFractionDigits: 1})
  };
  var PALETTE = ["#2459d6", "#067647", "#b54708", "#b42318", "#7a5af8", "#0e9384"];

  // Tooltips are HTML: every name in them (a user's, a store's, a segment's) is text.
  var ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  function fmt(value, kind, precise) {
    if (value === null || value === undefined || isNaN(value)) { return "—"; }
    if (kind === "money" && precise) { return formats.money2.format(value); }
    return (formats[kind] || formats.number).format(value);
  }

  function axisLabel(kind) {
    return {formatter: function (v) {
      if (kind === "percent") { return formats.percent.format(v); }
      if (kind === "money" && Math.abs(v) >= 10000) {
        return formats.compact.format(v);
      }
      return fmt(v, kind);
    }};
  }

  var drawers = {
    spark: function (spec) {
      return {
        animation: false,
        grid: {left: 2, right: 2, top: 4, bottom: 4},
        xAxis: {type: "category", show: false, boundaryGap: false,
                data: spec.values.map(function (_, i) { return i; })},
        yAxis: {type: "value", show: false, scale: true},
        series: [{type: "line", data: spec.values, symbol: "none", smooth: true,
                  lineStyle: {width: 1.5, color: "#2459d6"},
                  areaStyle: {color: "rgba(36, 89, 214, 0.08)"}}]
      };
    },

    trend: function (spec) {
      // Each line's last step into the running period, dashed, after the real series.
      function soFarSteps(spec) {
        var last = spec.so_far;
        if (last === null || last === undefined || last < 1) { return []; }
        return spec.series.map(function (s, i) {
          if (s.type !== "line") { return null; }
          var data = s.values.map(function (v, k) { return k === last || k === last - 1 ? v : null; });
          return {name: s.name, type: "line", data: data, yAxisIndex: s.axis || 0, symbol: "none",
                  color: s.color || PALETTE[i % PALETTE.length], connectNulls: false,
                  lineStyle: {width: 2, type: "dashed", opacity: 0.7}, tooltip: {show: false}};
        }).filter(function (s) { return s !== null; });
      }
      var kinds = [], long = spec.x.length > 40 && spec.zoom !== false;
      spec.series.forEach(function (s) { kinds[s.axis || 0] = kinds[s.axis || 0] || s.format; });
      return {
        color: PALETTE,
        tooltip: {trigger: "axis", formatter: function (items) {
          var lines = [esc(items[0].axisValueLabel)];
          items.forEach(function (item) {
            var s = spec.series[item.seriesIndex];
            if (!s) { return; }  // the dashed "so far" step repeats a line's value
            var v = item.value;
            if (spec.stack && s.type === "bar" && v < 0) { v = -v; }
            lines.push(item.marker + esc(s.name) + ": <b>" + fmt(v, s.format, true) + "</b>");
          });
          return lines.join("<br>");
        }},
        legend: {bottom: 0, type: "scroll"},
        grid: {left: 8, right: 8, top: 16, bottom: long ? 80 : 40, containLabel: true},
        // Many weeks: show the latest forty, the slider reaches back.
        dataZoom: long ? [{type: "inside", start: 100 - 4000 / spec.x.length},
                          {type: "slider", height: 16, bottom: 30, showDetail: false}] : [],
        xAxis: {type: "category", data: spec.x, axisTick: {alignWithLabel: true}},
        yAxis: kinds.map(function (kind, i) {
          return {type: "value", axisLabel: axisLabel(kind), splitLine: {show: i === 0}};
        }),
        series: spec.series.map(function (s, i) {
          var data = s.values, last = spec.so_far;
          if (last !== null && last !== undefined) {
            // The running period: lighter bars; a line stops before it (a dashed step follows).
            data = s.values.map(function (v, k) {
              if (k !== last) { return v; }
              return s.type === "bar" ? {value: v, itemStyle: {opacity: 0.4}} : null;
            });
          }
          var out = {name: s.name, type: s.type, color: s.color, data: data, yAxisIndex: s.axis || 0,
                     stack: spec.stack && s.type === "bar" ? "flow" : undefined,
                     symbol: "none", smooth: false, connectNulls: false,
                     barMaxWidth: 28, lineStyle: {width: 2}};
          if (i === 0 && spec.mark !== null && spec.mark !== undefined) {
            // A vertical line where something changes (the holdout starts).
            out.markLine = {silent: true, symbol: "none", lineStyle: {color: "#98a2b3", type: "dashed"},
                            label: {formatter: spec.mark_name, position: "insideEndTop"},
                            data: [{xAxis: spec.x[spec.mark]}]};
          }
          if (i === 0 && spec.so_far !== null && spec.so_far !== undefined) {
            out.markArea = {silent: true, itemStyle: {color: "rgba(152, 162, 179, 0.12)"},
                            label: {formatter: spec.so_far_name, position: "insideTop", color: "#667085"},
                            data: [[{xAxis: spec.x[spec.so_far]}, {xAxis: spec.x[spec.so_far]}]]};
          }
          return out;
        }).concat(soFarSteps(spec))
      };
    },

    forecast: function (spec) {
      // Bands are stacked areas: an invisible lower bound, then the band's width on top.
      function width(lo, hi) {
        return hi.map(function (h, i) { return h === null || lo[i] === null ? null : h - lo[i]; });
      }
      var mean = spec.mean.slice(), last = -1;
      spec.actual.forEach(function (v, i) { if (v !== null) { last = i; } });
      if (last >= 0 && mean[last] === null) { mean[last] = spec.actual[last]; }  // join the lines
      var hidden = {opacity: 0}, kind = spec.format;
      var series = [
        {name: spec.names.actual, type: "line", data: spec.actual, color: "#2459d6", symbol: "none",
         lineStyle: {width: 2}},
        {type: "line", data: spec.lo_95, stack: "b95", symbol: "none", lineStyle: hidden, silent: true,
         tooltip: {show: false}},
        {name: spec.names.band95, type: "line", data: width(spec.lo_95, spec.hi_95), stack: "b95",
         symbol: "none", lineStyle: hidden, color: "#8fb0ef", areaStyle: {color: "rgba(36, 89, 214, 0.10)"}},
        {type: "line", data: spec.lo_80, stack: "b80", symbol: "none", lineStyle: hidden, silent: true,
         tooltip: {show: false}},
        {name: spec.names.band80, type: "line", data: width(spec.lo_80, spec.hi_80), stack: "b80",
         symbol: "none", lineStyle: hidden, color: "#5b83e0", areaStyle: {color: "rgba(36, 89, 214, 0.20)"}},
        {name: spec.names.mean, type: "line", data: mean, color: "#10307a", symbol: "none",
         lineStyle: {width: 2, type: "dashed"}}
      ];
      if (spec.bottom_up) {
        series.push({name: spec.names.bottom_up, type: "line", data: spec.bottom_up, color: "#067647",
                     symbol: "none", lineStyle: {width: 2, type: "dotted"}});
      }
      return {
        tooltip: {trigger: "axis", formatter: function (items) {
          var i = items[0].dataIndex, lines = [esc(items[0].axisValueLabel)], names = spec.names;
          if (spec.actual[i] !== null) { lines.push(esc(names.actual) + ": <b>" + fmt(spec.actual[i], kind, true) + "</b>"); }
          if (spec.mean[i] !== null) {
            lines.push(esc(names.mean) + ": <b>" + fmt(spec.mean[i], kind, true) + "</b>");
            lines.push(esc(names.band80) + ": " + fmt(spec.lo_80[i], kind) + " – " + fmt(spec.hi_80[i], kind));
            lines.push(esc(names.band95) + ": " + fmt(spec.lo_95[i], kind) + " – " + fmt(spec.hi_95[i], kind));
          }
          if (spec.bottom_up && spec.bottom_up[i] !== null) {
            lines.push(esc(names.bottom_up) + ": " + fmt(spec.bottom_up[i], kind, true));
          }
          return lines.join("<br>");
        }},
        legend: {bottom: 0, data: [spec.names.actual, spec.names.mean, spec.names.band80,
                                   spec.names.band95].concat(spec.bottom_up ? [spec.names.bottom_up] : [])},
        grid: {left: 8, right: 8, top: 16, bottom: 40, containLabel: true},
        xAxis: {type: "category", data: spec.x, boundaryGap: false},
        yAxis: {type: "value", axisLabel: axisLabel(kind)},
        series: series
      };
    },

    waterfall: function (spec) {
      // Invisible bars lift each effect to where the running total stands.
      var base = [], rise = [], fall = [], total = [], running = 0;
      spec.steps.forEach(function (step) {
        if (step.total) {
          running = step.value;
          base.push(0); total.push(step.value); rise.push("-"); fall.push("-");
        } else {
          var before = running;
          running += step.value;
          base.push(Math.min(before, running)); total.push("-");
          rise.push(step.value >= 0 ? step.value : "-");
          fall.push(step.value < 0 ? -step.value : "-");
        }
      });
      var low = Math.min.apply(null, base.filter(function (v, i) { return !spec.steps[i].total; })
        .concat([running]));
      return {
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: function (items) {
          var step = spec.steps[items[0].dataIndex];
          var sign = !step.total && step.value > 0 ? "+" : "";
          return esc(step.name) + ": <b>" + sign + fmt(step.value, spec.format, true) + "</b>";
        }},
        grid: {left: 8, right: 8, top: 24, bottom: 8, containLabel: true},
        xAxis: {type: "category", data: spec.steps.map(function (s) { return s.name; }),
                axisLabel: {interval: 0, width: 72, overflow: "break", lineHeight: 14}},
        yAxis: {type: "value", axisLabel: axisLabel(spec.format), scale: true,
                min: function (ext) { return Math.max(0, Math.floor(Math.min(low, ext.min) * 0.9)); }},
        series: [
          {type: "bar", stack: "w", data: base, silent: true,
           itemStyle: {color: "transparent"}, emphasis: {disabled: true}},
          {type: "bar", stack: "w", data: total, itemStyle: {color: "#667085"}, barMaxWidth: 56,
           label: {show: true, position: "top", formatter: function (p) { return fmt(p.value, spec.format); }}},
          {type: "bar", stack: "w", data: rise, itemStyle: {color: "#067647"}, barMaxWidth: 56,
           label: {show: true, position: "top", formatter: function (p) { return "+" + fmt(p.value, spec.format); }}},
          {type: "bar", stack: "w", data: fall, itemStyle: {color: "#b42318"}, barMaxWidth: 56,
           label: {show: true, position: "bottom", formatter: function (p) { return "−" + fmt(p.value, spec.format); }}}
        ]
      };
    },

    heatmap: function (spec, el) {
      el.style.height = Math.max(240, spec.y.length * 22 + 110) + "px";
      // Cells of the month still running: lighter, and named "so far" in the tooltip.
      var running = {};
      (spec.so_far || []).forEach(function (c) { running[c[0] + ":" + c[1]] = true; });
      var data = spec.cells.map(function (c) {
        return running[c[0] + ":" + c[1]] ? {value: c, itemStyle: {opacity: 0.45}} : c;
      });
      return {
        tooltip: {formatter: function (p) {
          var row = spec.y[p.value[1]];
          var text = esc(row) + " · " + esc(spec.x_name) + ": " + esc(spec.x[p.value[0]]) +
            (running[p.value[0] + ":" + p.value[1]] ? " (" + esc(spec.so_far_name) + ")" : "") +
            "<br>" + esc(spec.value_name) + ": <b>" + fmt(p.value[2], spec.format, true) + "</b>";
          if (p.value.length > 3) { text += "<br>" + esc(spec.amount_name) + ": " + fmt(p.value[3], "money", true); }
          return text;
        }},
        grid: {left: 8, right: 16, top: 8, bottom: 64, containLabel: true},
        xAxis: {type: "category", data: spec.x, name: spec.x_name, nameLocation: "middle",
                nameGap: 28, splitArea: {show: true}},
        yAxis: {type: "category", data: spec.y, inverse: true, splitArea: {show: true},
                name: spec.y_name, nameLocation: "middle", nameGap: 40,
                axisLabel: {formatter: function (v, i) {
                  return spec.sizes && spec.sizes[i] !== null ? v + "  (" + fmt(spec.sizes[i], "number") + ")" : v;
                }}},
        visualMap: {min: 0, max: spec.max || 1, calculable: false, text: [fmt(spec.max || 1, spec.format), fmt(0, spec.format)], orient: "horizontal",
                    left: "center", bottom: 0, itemHeight: 160, precision: 2,
                    formatter: function (v) { return fmt(v, spec.format); },
                    inRange: {color: ["#f2f6fe", "#8fb0ef", "#2459d6", "#10307a"]}},
        series: [{type: "heatmap", data: data, progressive: 0,
                  label: {show: spec.x.length <= 24, fontSize: 9, formatter: function (p) {
                    return spec.format === "percent" ? Math.round(p.value[2] * 100) + "%" : formats.compact.format(p.value[2]);
                  }},
                  emphasis: {itemStyle: {borderColor: "#111", borderWidth: 1}}}]
      };
    },

    treemap: function (spec, el, chart) {
      chart.on("click", function (p) {
        if (p.data && p.data.url) { window.location.href = p.data.url; }
      });
      return {
        tooltip: {formatter: function (p) {
          var d = p.data;
          return "<b>" + esc(d.name) + "</b><br>" + fmt(d.value, "number") + " · " + esc(spec.share_name) +
            " " + fmt(d.share, "percent") + "<br>" + esc(spec.revenue_name) + ": " + fmt(d.revenue, "money");
        }},
        series: [{type: "treemap", roam: false, nodeClick: false, breadcrumb: {show: false},
                  width: "100%", height: "100%", top: 0, left: 0,
                  label: {show: true, formatter: function (p) {
                    return p.name + "\n" + fmt(p.value, "number");
                  }, fontSize: 13, lineHeight: 18},
                  itemStyle: {borderColor: "#fff", borderWidth: 2, gapWidth: 2},
                  data: spec.items.map(function (item) {
                    return {name: item.name, value: item.value, url: item.url, share: item.share,
                            revenue: item.revenue, itemStyle: {color: item.color}};
                  })}]
      };
    }
  };

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var spec = payload.charts[el.dataset.chart];
    var draw = spec && drawers[spec.kind];
    if (!draw) { return; }
    var chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(draw(spec, el, chart));
    chart.resize();
    charts.push(chart);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
