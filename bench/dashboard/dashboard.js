// Draws bench/history.jsonl (inlined by make_dashboard.py as #data) on plain
// canvases. No library, no network: the page must open from a file, offline.
'use strict';

const RUNS = JSON.parse(document.getElementById('data').textContent);
const VARIANTS = [
  {key: 'gorace', label: 'gorace', color: '#1f6fd1', dash: []},
  {key: 'go', label: 'Go', color: '#00a29b', dash: []},
  {key: 'gorace_instr', label: 'gorace instrumented', color: '#1f6fd1', dash: [6, 4]},
  {key: 'go_race', label: 'Go -race', color: '#00a29b', dash: [6, 4]},
];
const GROWTH = ['SpawnN', 'ChanRingN', 'SelectN', 'TimersN', 'RWMutexQueueN',
                'TicketWaveN'];
let drawn = 0;
let expected = 0;

function fmtNs(v) {
  if (v == null) return '-';
  if (v >= 1e6) return (v / 1e6).toFixed(2) + ' ms';
  if (v >= 1e4) return (v / 1e3).toFixed(1) + ' µs';
  return v.toFixed(1) + ' ns';  // every cell names its unit
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  return e;
}

// ---- Mann-Whitney U, as bench/stats.py (normal approximation) ----------

function ranks(values) {
  const order = values.map((v, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Array(values.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]] === values[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function erfc(x) {
  // Numerical Recipes' erfc (Chebyshev fit), relative error < 1.2e-7.
  const z = Math.abs(x), t = 1 / (1 + z / 2);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 +
    t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 +
    t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

function mannWhitneyP(x, y) {
  const n1 = x.length, n2 = y.length, n = n1 + n2;
  const r = ranks(x.concat(y));
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += r[i];
  const u1 = r1 - n1 * (n1 + 1) / 2;
  const counts = new Map();
  for (const v of x.concat(y)) counts.set(v, (counts.get(v) || 0) + 1);
  let ties = 0;
  for (const t of counts.values()) ties += t * t * t - t;
  const v = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)));
  if (!(v > 0)) return 1;
  const z = Math.max(Math.abs(u1 - n1 * n2 / 2) - 0.5, 0) / Math.sqrt(v);
  return Math.min(1, erfc(z / Math.SQRT2));
}

function median(a) {
  const s = a.slice().sort((p, q) => p - q), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// ---- charts ------------------------------------------------------------

// Each chart has one unit, written in its caption and used by every tick
// label. Time charts pick theirs from the data: the largest of s, ms, µs,
// ns that the lowest tick still reaches, so labels are whole numbers of it.
const TIME_UNITS = [{name: 's', f: 1e9}, {name: 'ms', f: 1e6}, {name: 'µs', f: 1e3}, {name: 'ns', f: 1}];

function timeUnit(lowest) {
  return TIME_UNITS.find(u => lowest >= u.f) || TIME_UNITS[TIME_UNITS.length - 1];
}

// 1, 2 or 5 times a power of ten, at least x.
function niceStep(x) {
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  return [1, 2, 5, 10].map(m => m * p).find(v => v >= x);
}

// The y axis: log (decades) by default, linear from 0 with opts.linearY.
function yAxis(pts, opts, H, T, B) {
  if (opts.linearY) {
    const top = Math.max(...pts.map(p => p[1]));
    const step = niceStep(top / 5);
    const y1 = Math.ceil(top * 1.05 / step) * step;
    const ticks = [];
    for (let k = 0; k * step <= y1; k++) ticks.push(k * step);
    return {ticks, Y: v => H - B - v / y1 * (H - T - B)};
  }
  const ty = Math.log10;
  const y0 = Math.floor(Math.min(...pts.map(p => ty(p[1]))));
  let y1 = Math.ceil(Math.max(...pts.map(p => ty(p[1]))));
  if (y1 === y0) y1 += 1;
  const ticks = [];
  for (let e = y0; e <= y1; e++) ticks.push(Math.pow(10, e));
  return {ticks, Y: v => H - B - (ty(v) - y0) / (y1 - y0) * (H - T - B)};
}

// series: [{label, color, dash, points: [[x, y], ...]}]; x may be log.
// opts.unit: a fixed {name, f}, else a time unit fitted to the data;
// opts.caption(unitName) the caption.
function chart(parent, title, series, opts) {
  expected++;
  const fig = el('figure', {'class': 'chart', 'data-title': title, 'data-scale': opts.linearY ? 'linear' : 'log'});
  const cap = el('figcaption', null, title);
  fig.appendChild(cap);
  const W = opts.width || 380, H = opts.height || 210;
  const cv = el('canvas', {width: W, height: H});
  fig.appendChild(cv);
  parent.appendChild(fig);
  const ctx = cv.getContext('2d');
  const pts = series.flatMap(s => s.points).filter(p => p[1] > 0 && isFinite(p[1]));
  if (pts.length === 0) {
    ctx.fillStyle = '#888';
    ctx.fillText('no data', W / 2 - 20, H / 2);
    drawn++;
    return;
  }
  const tx = opts.logX ? Math.log10 : (v => v);
  let x0 = Math.min(...pts.map(p => tx(p[0]))), x1 = Math.max(...pts.map(p => tx(p[0])));
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  const L = 62, R = 10, T = 8, B = 34;
  const X = v => L + (tx(v) - x0) / (x1 - x0) * (W - L - R);
  const axis = yAxis(pts, opts, H, T, B), Y = axis.Y;
  const unit = opts.unit || timeUnit(axis.ticks[0]);
  fig.dataset.unit = unit.name;
  cap.textContent = opts.caption ? opts.caption(unit.name) : title + ' (' + unit.name + ')';
  ctx.font = '10px sans-serif';
  ctx.strokeStyle = '#e5e5e5';
  ctx.fillStyle = '#555';
  for (const v of axis.ticks) {
    const y = Y(v);
    ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(W - R, y); ctx.stroke();
    ctx.fillText((v / unit.f).toLocaleString('en', {maximumFractionDigits: 3}), 4, y + 3);
  }
  for (const t of opts.xticks) {
    const x = X(t.v);
    ctx.beginPath(); ctx.moveTo(x, T); ctx.lineTo(x, H - B); ctx.stroke();
    ctx.fillText(t.label, Math.min(x - 10, W - R - 24), H - B + 12);
  }
  ctx.fillText(opts.xlabel, L, H - 6);
  for (const s of series) {
    const p = s.points.filter(q => q[1] > 0 && isFinite(q[1]));
    if (p.length === 0) continue;
    ctx.strokeStyle = ctx.fillStyle = s.color;
    ctx.setLineDash(s.dash);
    ctx.lineWidth = 2;
    ctx.beginPath();
    p.forEach((q, i) => i ? ctx.lineTo(X(q[0]), Y(q[1])) : ctx.moveTo(X(q[0]), Y(q[1])));
    ctx.stroke();
    ctx.setLineDash([]);
    for (const q of p) { ctx.beginPath(); ctx.arc(X(q[0]), Y(q[1]), 2.5, 0, 7); ctx.fill(); }
  }
  const legend = el('div', {'class': 'legend'});
  for (const s of series) {
    if (!s.points.some(q => q[1] > 0)) continue;
    const sp = el('span');
    const sw = el('i');
    sw.style.background = s.dash.length ? 'repeating-linear-gradient(90deg,' + s.color + ' 0 6px,transparent 6px 10px)' : s.color;
    sp.appendChild(sw);
    sp.appendChild(document.createTextNode(s.label));
    legend.appendChild(sp);
  }
  fig.appendChild(legend);
  drawn++;
}

function runTicks() {
  const step = Math.max(1, Math.ceil(RUNS.length / 6));
  const ticks = [];
  for (let i = 0; i < RUNS.length; i += step)
    ticks.push({v: i, label: (RUNS[i].date || '').slice(5, 10)});
  return ticks;
}

function benchNames() {
  const names = [];
  for (const r of RUNS)
    for (const n in r.benchmarks || {}) if (!names.includes(n)) names.push(n);
  return names;
}

function isGrowth(name) {
  const [base, n] = name.split('/');
  return GROWTH.includes(base) && /^\d+$/.test(n || '');
}

function drawHistory() {
  const box = document.getElementById('history');
  for (const name of benchNames()) {
    const series = VARIANTS.map(v => ({
      label: v.label, color: v.color, dash: v.dash,
      points: RUNS.map((r, i) => [i, ((r.benchmarks || {})[name] || {})[v.key]])
        .filter(p => p[1]).map(p => [p[0], p[1].ns_op]),
    }));
    chart(box, name, series, {xticks: runTicks(), xlabel: 'run (date)',
      caption: u => name + ' (' + u + '/op, log scale)'});
  }
}

function drawGrowth() {
  const box = document.getElementById('growth');
  const last = RUNS[RUNS.length - 1];
  for (const base of GROWTH) {
    const names = Object.keys(last.benchmarks || {}).filter(n => n.split('/')[0] === base && isGrowth(n));
    if (names.length === 0) continue;
    const ns = names.map(n => Number(n.split('/')[1])).sort((a, b) => a - b);
    const series = VARIANTS.map(v => ({
      label: v.label, color: v.color, dash: v.dash,
      points: ns.map(n => {
        const r = (last.benchmarks[base + '/' + n] || {})[v.key];
        return [n, r ? r.ns_op / (base === 'TimersN' ? 1 : n) : 0];  // TimersN's op is one timer
      }),
    }));
    const per = base === 'TimersN' ? ' per timer op, n pending' : ' per item';
    chart(box, base, series,
      {logX: true, xticks: ns.map(n => ({v: n, label: '1e' + Math.round(Math.log10(n))})), xlabel: 'n (log)',
        caption: u => base + ': ' + u + per + ' (log-log)'});
  }
}

function drawParked() {
  const box = document.getElementById('parked');
  const sizes = [];
  for (const r of RUNS)
    for (const side in r.parked_bytes || {})
      for (const n in r.parked_bytes[side]) if (!sizes.includes(n)) sizes.push(n);
  sizes.sort((a, b) => a - b);
  for (const n of sizes) {
    const series = [['gorace', VARIANTS[0]], ['go', VARIANTS[1]]].map(([side, v]) => ({
      label: v.label, color: v.color, dash: [],
      points: RUNS.map((r, i) => [i, ((r.parked_bytes || {})[side] || {})[n]]).filter(p => p[1] > 0),
    }));
    // Linear from 0: the values differ by tens of percent, which a log
    // axis squeezes into a sliver near the top decade line.
    chart(box, 'parked goroutine, n=' + Number(n).toLocaleString('en'), series,
      {xticks: runTicks(), xlabel: 'run (date)', linearY: true, unit: {name: 'bytes', f: 1},
        caption: u => u + ' per parked goroutine, n=' + Number(n).toLocaleString('en')});
  }
}

// Memory per idle TCP connection (conn_mem): server side solid, client side
// dashed, per connection count, over the runs.
function drawConns() {
  const box = document.getElementById('conns');
  const sizes = [];
  for (const r of RUNS)
    for (const side in r.conn_bytes || {})
      for (const n in r.conn_bytes[side]) if (!sizes.includes(n)) sizes.push(n);
  sizes.sort((a, b) => a - b);
  for (const n of sizes) {
    const series = [];
    for (const [impl, v] of [['gorace', VARIANTS[0]], ['go', VARIANTS[1]]])
      for (const [part, dash] of [['server', []], ['client', [6, 4]]])
        series.push({
          label: v.label + ' ' + part, color: v.color, dash: dash,
          points: RUNS.map((r, i) => [i, (((r.conn_bytes || {})[impl] || {})[n] || {})[part]])
            .filter(p => p[1] > 0),
        });
    chart(box, 'idle connection, n=' + Number(n).toLocaleString('en'), series,
      {xticks: runTicks(), xlabel: 'run (date)', linearY: true, unit: {name: 'bytes', f: 1},
        caption: u => u + ' per idle TCP connection (server solid, client dashed), n=' +
          Number(n).toLocaleString('en')});
  }
}

// The previous run of the same machine with the same GOMAXPROCS.
function previousRun(last) {
  for (let i = RUNS.length - 2; i >= 0; i--)
    if (RUNS[i].machine === last.machine && RUNS[i].gomaxprocs === last.gomaxprocs) return RUNS[i];
  return null;
}

function drawLatest() {
  const last = RUNS[RUNS.length - 1];
  const prev = previousRun(last);
  document.getElementById('summary').textContent =
    RUNS.length + ' runs. Latest: ' + (last.date || '?') + ', commit ' + (last.commit || '?').slice(0, 12) +
    (last.dirty ? ' (uncommitted changes)' : '') + ', ' + (last.cpu || '?') + ', GOMAXPROCS ' +
    last.gomaxprocs + ', instrumented build: ' + (last.instr_kind || '?') +
    (prev ? '; changes against ' + (prev.date || '?') + ' (' + (prev.commit || '').slice(0, 12) + ')' : '');
  const t = el('table');
  const head = el('tr');
  for (const h of ['benchmark', 'gorace time/op', 'Go time/op', 'gorace/Go', 'instr time/op', 'Go -race time/op',
    'instr/release', 'Go race/plain', 'allocs/op', 'peak RSS MB', 'vs previous', 'p'])
    head.appendChild(el('th', null, h));
  t.appendChild(head);
  let regressions = 0;
  for (const name of Object.keys(last.benchmarks || {})) {
    const b = last.benchmarks[name];
    const ns = k => (b[k] ? b[k].ns_op : null);
    const ratio = (p, q) => (p && q ? (p / q).toFixed(2) : '-');
    let change = '-', p = '-', cls = '';
    const pb = prev && prev.benchmarks[name] && prev.benchmarks[name].gorace;
    if (pb && b.gorace) {
      const m = median(b.gorace.samples) / median(pb.samples);
      const pv = b.gorace.samples.length > 1 && pb.samples.length > 1 ? mannWhitneyP(b.gorace.samples, pb.samples) : 1;
      change = ((m - 1) * 100).toFixed(1) + '%';
      p = pv.toFixed(3);
      if (pv < 0.05 && m > 1.05) cls = 'regression';
      else if (pv < 0.05 && m < 0.95) cls = 'improvement';
    }
    const tr = el('tr', cls === 'regression' ? {'class': 'regression'} : {});
    const cells = [name, fmtNs(ns('gorace')), fmtNs(ns('go')), ratio(ns('gorace'), ns('go')),
      fmtNs(ns('gorace_instr')), fmtNs(ns('go_race')), ratio(ns('gorace_instr'), ns('gorace')),
      ratio(ns('go_race'), ns('go')), b.gorace ? b.gorace.allocs_op.toFixed(2) : '-',
      b.gorace ? (b.gorace.maxrss_kb / 1024).toFixed(1) : '-', change, p];
    cells.forEach((c, i) => tr.appendChild(el('td', i === 10 && cls ? {'class': cls} : {}, c)));
    if (cls === 'regression') regressions++;
    t.appendChild(tr);
  }
  const box = document.getElementById('latest');
  box.appendChild(el('p', null, regressions + ' regression(s) against the previous run ' +
    '(Mann-Whitney U over repetitions: p < 0.05 and median > 5% slower).'));
  box.appendChild(t);
}

function main() {
  if (RUNS.length === 0) {
    document.getElementById('summary').textContent = 'No runs yet: run bench/compare.';
  } else {
    drawLatest();
    drawGrowth();
    drawParked();
    drawConns();
    drawHistory();
  }
  document.body.dataset.charts = String(drawn);
  document.body.dataset.expected = String(expected);
  document.title = 'gorace benchmarks: ' + drawn + ' charts';
}

main();
