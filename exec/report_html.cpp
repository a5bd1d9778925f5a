#include "exec/report_html.hpp"

#include <simdjson.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ballast::exec {

namespace {

// The page. Everything the report says reaches the page as data: the JSON in a
// <script type="application/json"> element, read with JSON.parse and shown through
// textContent and the charts (never innerHTML). The Content-Security-Policy forbids every
// fetch: the page opens offline and never calls out.
constexpr std::string_view page_head = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ballast report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 4px 0; }
h2 { font-size: 16px; margin: 0 0 4px 0; }
p.note { color: #555; margin: 2px 0 6px 0; }
section { margin: 14px 0 22px 0; }
.chart { position: relative; height: 300px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 12px; }
.grid .chart { height: 190px; }
#summary { color: #444; white-space: pre-line; }
</style>
</head>
<body>
<h1 id="title">ballast report</h1>
<p id="summary"></p>
<section><h2>Weights against targets and bands</h2><p class="note">each underlying's weight over market time (solid), its target (dashed) and its band (shaded)</p><div class="chart"><canvas id="chart-weights"></canvas></div></section>
<section><h2>Execution trajectory against schedule</h2><p class="note">each parent's cumulative fills (solid) and its schedule (dashed), in % of the parent's quantity</p><div class="chart"><canvas id="chart-trajectory"></canvas></div></section>
<section><h2>Fills by venue</h2><p class="note">notional traded per venue and instrument (bars) and fills (dots); below, each venue's cumulative filled notional over market time</p><div class="chart"><canvas id="chart-fills"></canvas></div><div class="chart"><canvas id="chart-fills-time"></canvas></div></section>
<section><h2>Cost against the naive plan and the router's baselines</h2><p class="note" id="cost-note"></p><div class="chart"><canvas id="chart-cost"></canvas></div></section>
<section><h2>Synthetic leg</h2><p class="note" id="synthetic-note"></p><div class="chart"><canvas id="chart-synthetic"></canvas></div></section>
<section><h2>Book health over time</h2><p class="note">mirrored books by their worst state in each sample's period</p><div class="chart"><canvas id="chart-health"></canvas></div></section>
<section><h2>Latency per hop</h2><p class="note">samples per power-of-two bucket (log scale), TSC-timed</p><div class="grid" id="latency-grid"></div></section>
<script type="application/json" id="report-data">)html";

constexpr std::string_view page_between_data_and_library = R"html(</script>
<script>
)html";

constexpr std::string_view page_app = R"html(
</script>
<script>
(function () {
  'use strict';
  window.addEventListener('error', function (e) {
    document.title = 'ballast report: error: ' + e.message;
    document.body.setAttribute('data-error', String(e.message));
  });
  const report = JSON.parse(document.getElementById('report-data').textContent);
  const s = report.series;
  const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2',
                   '#17becf', '#bcbd22', '#7f7f7f'];
  const color = (i) => palette[i % palette.length];
  const fade = (c, a) => c + Math.round(a * 255).toString(16).padStart(2, '0');
  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.size = 11;
  const charts = [];
  const make = (canvas, config) => { charts.push(new Chart(canvas, config)); };
  const text = (id, t) => { document.getElementById(id).textContent = t; };
  const fixed = (v, d) => (v === null || v === undefined) ? '-' : Number(v).toFixed(d);
  const side = (p) => p.underlying + ' ' + p.side;
  const timeAxis = { type: 'linear', title: { display: true, text: 'market time (s since ' + report.market_start + ')' } };

  // Summary.
  document.getElementById('title').textContent = 'ballast report: scenario ' + report.scenario;
  let filledNotional = 0, cost = 0, naive = 0;
  for (const p of report.parents) {
    filledNotional += p.filled * p.arrival_mid;
    cost += p.cost;
    if (p.naive_filled > 0) naive += p.naive_cost * (p.filled / p.naive_filled);
  }
  const bps = (v) => filledNotional > 0 ? v / filledNotional * 1e4 : 0;
  text('summary', 'market ' + report.market_start + ' to ' + report.market_end +
       ' · NAV ' + fixed(report.nav_before, 2) + ' → ' + fixed(report.nav_after, 2) +
       ' · ' + report.parents.length + ' parent orders, ' +
       Object.values(report.orders).reduce((a, b) => a + b, 0) + ' child orders' +
       ' · cost ' + fixed(cost, 2) + ' (' + fixed(bps(cost), 2) + ' bps) vs naive ' +
       fixed(naive, 2) + ' (' + fixed(bps(naive), 2) + ' bps)' +
       '\nsamples every ' + s.period_ms + ' ms of market time, every ' + s.stride +
       (s.stride === 1 ? 'st' : 'th') + ' kept (at most ' + s.capacity + ' per series)');

  // Weights against targets and bands.
  {
    const ds = [];
    let k = 0;
    for (const u of report.underlyings) {
      const ser = s.underlyings.find((x) => x.name === u.name);
      if (!u.has_target || !ser) continue;
      const c = color(k++);
      const xy = (f) => s.t.map((t, i) => ({ x: t, y: f(i) }));
      ds.push({ label: u.name + ' band', data: xy(() => (u.target_weight + u.band) * 100),
                borderWidth: 0, pointRadius: 0, backgroundColor: fade(c, 0.12), fill: '+1' });
      ds.push({ label: u.name + ' band low', data: xy(() => (u.target_weight - u.band) * 100),
                borderWidth: 0, pointRadius: 0, fill: false });
      ds.push({ label: u.name + ' target', data: xy(() => u.target_weight * 100),
                borderColor: c, borderDash: [6, 4], borderWidth: 1, pointRadius: 0 });
      ds.push({ label: u.name + ' weight', data: xy((i) => ser.weight[i] * 100),
                borderColor: c, borderWidth: 2, pointRadius: 0 });
    }
    make(document.getElementById('chart-weights'), {
      type: 'line', data: { datasets: ds },
      options: { scales: { x: timeAxis, y: { title: { display: true, text: 'weight (% of NAV)' } } },
                 plugins: { legend: { labels: { filter: (l) => !l.text.endsWith('band low') } } } } });
  }

  // Each parent's trajectory against its schedule (the first parents drawn wider, so a later one
  // on the same path shows on top of them).
  {
    const ds = [];
    const wide = (i) => Math.max(2, 6 - 2 * i);
    report.parents.forEach((p, i) => {
      const path = s.parents[i];
      if (!path || !(p.requested > 0)) return;
      const pct = (pt) => ({ x: pt[0], y: pt[1] / p.requested * 100 });
      const c = color(i);
      ds.push({ label: side(p) + ' via ' + p.route + ' schedule', data: path.schedule.map(pct),
                stepped: true, borderColor: c, borderDash: [6, 4], borderWidth: wide(i) - 1,
                pointRadius: 0 });
      ds.push({ label: side(p) + ' via ' + p.route + ' executed', data: path.executed.map(pct),
                stepped: true, borderColor: fade(c, 0.8), borderWidth: wide(i), pointRadius: 2 });
    });
    make(document.getElementById('chart-trajectory'), {
      type: 'line', data: { datasets: ds },
      options: { scales: { x: timeAxis, y: { min: 0, title: { display: true, text: '% of the parent' } } } } });
  }

  // Fills by venue.
  make(document.getElementById('chart-fills'), {
    type: 'bar',
    data: {
      labels: report.trades.map((t) => t.venue + ':' + t.symbol + ' (' + t.kind + ')'),
      datasets: [
        { label: 'notional (quote)', data: report.trades.map((t) => t.notional),
          backgroundColor: report.trades.map((t, i) => fade(color(i), 0.7)), yAxisID: 'y' },
        { label: 'fills', type: 'line', showLine: false, pointRadius: 5, pointStyle: 'rectRot',
          data: report.trades.map((t) => t.fills), borderColor: '#222', backgroundColor: '#222',
          yAxisID: 'y1' } ] },
    options: { scales: { y: { title: { display: true, text: 'notional (quote)' } },
                         y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false },
                               title: { display: true, text: 'fills' } } } } });

  make(document.getElementById('chart-fills-time'), {
    type: 'line',
    data: { datasets: s.venues.map((v, k) => ({
      label: v.name, data: v.notional.map((pt) => ({ x: pt[0], y: pt[1] })), stepped: true,
      borderColor: color(k), backgroundColor: fade(color(k), 0.35), fill: k === 0 ? 'origin' : '-1',
      borderWidth: 2, pointRadius: 2 })) },
    options: { scales: { x: timeAxis, y: { stacked: true, beginAtZero: true,
                                           title: { display: true, text: 'cumulative notional (quote)' } } } } });

  // Cost against the naive plan and the router's baselines.
  {
    const labels = report.parents.map((p) => side(p) + ' via ' + p.route);
    labels.push('total');
    const exec = report.parents.map((p) => p.cost_bps);
    exec.push(bps(cost));
    const nv = report.parents.map((p) => p.naive_filled > 0 ? p.naive_cost_bps : null);
    nv.push(bps(naive));
    const spot = report.parents.map((p) => p.synthetic ? p.spot_alt_cost_bps : null);
    spot.push(null);
    make(document.getElementById('chart-cost'), {
      type: 'bar',
      data: { labels: labels, datasets: [
        { label: 'executed (fees + gas + slippage vs arrival mid)', data: exec, backgroundColor: color(0) },
        { label: 'naive: all at once on the single best spot venue', data: nv, backgroundColor: color(1) },
        { label: 'spot split at the decision (synthetic parents)', data: spot, backgroundColor: color(2) } ] },
      options: { scales: { y: { title: { display: true, text: 'bps of filled notional' } } } } });
    text('cost-note', 'executed ' + fixed(cost, 2) + ' vs naive ' + fixed(naive, 2) +
         ' (quote currency, naive scaled to the filled quantity): saved ' + fixed(naive - cost, 2));
  }

  // The synthetic leg: delta held through derivatives (perps) against spot.
  {
    const synth = report.parents.filter((p) => p.synthetic);
    let names = [...new Set(synth.map((p) => p.underlying))];
    if (names.length === 0) {
      names = s.underlyings.filter((u) => u.derivative_delta.some((v) => v !== 0)).map((u) => u.name);
    }
    if (names.length === 0) {
      names = report.underlyings.filter((u) => !u.cash).map((u) => u.name);
    }
    const ds = [];
    const axes = { x: timeAxis };
    names.forEach((name, k) => {
      const ser = s.underlyings.find((x) => x.name === name);
      if (!ser) return;
      const axis = 'y' + k;
      axes[axis] = { position: k % 2 ? 'right' : 'left', grid: { drawOnChartArea: k === 0 },
                     title: { display: true, text: name + ' delta (base units)' } };
      const xy = (arr) => s.t.map((t, i) => ({ x: t, y: arr[i] }));
      ds.push({ label: name + ' spot delta', data: xy(ser.spot_delta), yAxisID: axis,
                borderColor: color(2 * k), borderWidth: 2, pointRadius: 0 });
      ds.push({ label: name + ' derivative delta (synthetic)', data: xy(ser.derivative_delta),
                yAxisID: axis, borderColor: color(2 * k + 1), backgroundColor: fade(color(2 * k + 1), 0.15),
                fill: 'origin', borderWidth: 2, pointRadius: 0 });
    });
    make(document.getElementById('chart-synthetic'), {
      type: 'line', data: { datasets: ds }, options: { scales: axes } });
    text('synthetic-note', synth.length === 0 ? 'none: spot was cheaper for every underlying' :
         synth.map((p) => side(p) + ' ' + fixed(p.filled, 6) + ' via ' + p.route + ': plan cost ' +
                   fixed(p.plan_route_cost, 2) + ' vs spot ' + fixed(p.plan_spot_cost, 2) +
                   ' (saves ' + fixed(p.plan_spot_cost - p.plan_route_cost, 2) + '); executed ' +
                   fixed(p.cost_bps, 2) + ' bps vs spot split ' + fixed(p.spot_alt_cost_bps, 2) +
                   ' bps at the decision').join('; '));
  }

  // Book health over time.
  {
    const live = s.health_states.indexOf('live');
    const syncing = s.health_states.indexOf('syncing');
    const count = (pred) => s.t.map((t, i) => ({ x: t, y: s.books.filter((b) => pred(b.health[i])).length }));
    // Stacked areas: each fills down to the one below it.
    const area = (label, data, c, fill) => ({ label: label, data: data, borderColor: c,
                                              backgroundColor: fade(c, 0.5), fill: fill,
                                              pointRadius: 0, borderWidth: 1, stepped: true });
    make(document.getElementById('chart-health'), {
      type: 'line',
      data: { datasets: [
        area('live', count((h) => h === live), '#2ca02c', 'origin'),
        area('syncing', count((h) => h === syncing), '#ff7f0e', '-1'),
        area('stale (gap, checksum, crossed, silence)',
             count((h) => h !== live && h !== syncing), '#d62728', '-1') ] },
      options: { scales: { x: timeAxis, y: { stacked: true, min: 0, max: s.books.length,
                                             ticks: { stepSize: 1 },
                                             title: { display: true, text: 'books (of ' + s.books.length + ')' } } } } });
  }

  // Latency histograms per hop.
  {
    const ns = (v) => v < 1e3 ? v + 'ns' : v < 1e6 ? (v / 1e3).toPrecision(3) + 'us' :
                      v < 1e9 ? (v / 1e6).toPrecision(3) + 'ms' : (v / 1e9).toPrecision(3) + 's';
    const grid = document.getElementById('latency-grid');
    s.latency.forEach((h, k) => {
      if (h.count.length === 0) return;
      const box = document.createElement('div');
      box.className = 'chart';
      const canvas = document.createElement('canvas');
      canvas.id = 'chart-latency-' + h.hop;
      box.appendChild(canvas);
      grid.appendChild(box);
      const total = h.count.reduce((a, b) => a + b, 0);
      make(canvas, {
        type: 'bar',
        data: { labels: h.le_ns.map((v) => '≤' + ns(v + 1)),
                datasets: [{ label: h.hop + ' (' + total + ' samples)', data: h.count,
                             backgroundColor: color(k) }] },
        options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'samples' } } } } });
    });
  }

  // Every chart drew: it has data points and its canvas has ink.
  let drawn = 0;
  for (const c of charts) {
    const points = c.data.datasets.reduce(
      (n, d) => n + d.data.filter((v) => v !== null && v !== undefined).length, 0);
    const px = c.ctx.getImageData(0, 0, c.canvas.width, c.canvas.height).data;
    let ink = 0;
    for (let i = 3; i < px.length; i += 4) if (px[i] !== 0) ink++;
    c.canvas.setAttribute('data-points', String(points));
    c.canvas.setAttribute('data-ink', String(ink));
    if (points > 0 && ink > 0) drawn++;
  }
  document.body.setAttribute('data-charts', String(charts.length));
  document.body.setAttribute('data-charts-drawn', String(drawn));
  document.title = 'ballast report: ' + report.scenario + ' (' + drawn + ' of ' + charts.length +
                   ' charts drawn)';
})();
</script>
</body>
</html>
)html";

} // namespace

std::string json_for_script(std::string_view json) {
    std::string out;
    out.reserve(json.size() + json.size() / 16);
    for (std::size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
                   (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
            out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029"; // JavaScript line terminators
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

std::string script_for_html(std::string_view js) {
    std::string out;
    out.reserve(js.size());
    const auto at = [&](std::size_t i, std::string_view word) {
        if (i + word.size() > js.size()) {
            return false;
        }
        for (std::size_t k = 0; k < word.size(); ++k) {
            char c = js[i + k];
            c = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
            if (c != word[k]) {
                return false;
            }
        }
        return true;
    };
    for (std::size_t i = 0; i < js.size(); ++i) {
        if (js[i] == '<' && at(i, "</script")) {
            out += "<\\/";
            ++i; // the '/' is written above
        } else if (js[i] == '<' && at(i, "<!--")) {
            out += "<\\!";
            ++i;
        } else {
            out += js[i];
        }
    }
    return out;
}

std::string check_report_json(std::string_view json) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (const auto err = parser.parse(json.data(), json.size()).get(doc); err) {
        return std::string("not valid JSON (") + simdjson::error_message(err) + ")";
    }
    simdjson::dom::object top;
    if (doc.get(top) != simdjson::SUCCESS) {
        return "not a JSON object";
    }
    const auto need = [](simdjson::dom::object o, std::string_view path, std::string_view key,
                         simdjson::dom::element_type type) -> std::string {
        simdjson::dom::element e;
        if (o[key].get(e) != simdjson::SUCCESS) {
            return "no \"" + std::string(path) + std::string(key) + "\"";
        }
        if (e.type() != type) {
            return "\"" + std::string(path) + std::string(key) + "\" has the wrong type";
        }
        return {};
    };
    using t = simdjson::dom::element_type;
    for (const auto& [key, type] : {std::pair<std::string_view, t>{"scenario", t::STRING},
                                    {"market_start", t::STRING},
                                    {"underlyings", t::ARRAY},
                                    {"trades", t::ARRAY},
                                    {"parents", t::ARRAY},
                                    {"orders", t::OBJECT},
                                    {"series", t::OBJECT}}) {
        if (std::string e = need(top, "", key, type); !e.empty()) {
            return key == "series" ? e + " (a report written before the time series?)" : e;
        }
    }
    simdjson::dom::object series = top["series"].get_object().value_unsafe();
    for (const std::string_view key :
         {"t", "underlyings", "books", "parents", "venues", "latency", "health_states"}) {
        if (std::string e = need(series, "series.", key, t::ARRAY); !e.empty()) {
            return e;
        }
    }
    return {};
}

std::string render_report_html(std::string_view json, std::string_view chart_js) {
    std::string out;
    out.reserve(page_head.size() + json.size() + chart_js.size() + page_app.size() + 64);
    out += page_head;
    out += json_for_script(json);
    out += page_between_data_and_library;
    out += script_for_html(chart_js);
    out += page_app;
    return out;
}

std::string read_text_file(const std::string& path, std::string& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return path + ": " + std::strerror(errno);
    }
    out.clear();
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        out.append(buf, n);
    }
    const bool failed = std::ferror(f) != 0;
    const int saved = errno;
    std::fclose(f);
    return failed ? path + ": " + std::strerror(saved) : std::string();
}

std::string load_chart_js(const std::string& path, std::string& out) {
    if (std::string err = read_text_file(path, out); !err.empty()) {
        return "Chart.js: cannot read " + err +
               " (install the Debian package libjs-chart.js, or name the file with --chart-js)";
    }
    if (out.find("Chart") == std::string::npos) {
        return "Chart.js: " + path + " does not look like Chart.js (no \"Chart\" in it)";
    }
    return {};
}

std::string write_text_file(const std::string& path, std::string_view text) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) {
        return path + ": " + std::strerror(errno);
    }
    const bool wrote = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int write_errno = errno;
    if (std::fclose(f) != 0 || !wrote) {
        return path + ": " + std::strerror(wrote ? errno : write_errno);
    }
    return {};
}

} // namespace ballast::exec
