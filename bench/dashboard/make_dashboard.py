#!/usr/bin/env python3
"""Writes the benchmark dashboard: one static HTML file, no server, no
network. The history (bench/history.jsonl, one JSON object per run, written
by bench/compare) is inlined as JSON, and inline JavaScript draws the charts
on plain canvases:

  - one chart per benchmark over the runs in the history: ns/op of gorace
    and Go (solid), and of the instrumented builds, gorace's and Go -race
    (dashed), on a log scale;
  - one chart per cost-growth family (SpawnN, ChanRingN, ...): ns per item
    against n for the latest run, log-log, each variant a line;
  - memory per parked goroutine over the runs, gorace beside Go, on a
    linear axis from 0 (a log axis flattened them against a decade line);
  - memory per idle TCP connection (conn_mem) the same way, server side
    solid and client side dashed;
  - a table of the latest run, each benchmark's change from the previous run
    of the same machine, and regressions (Mann-Whitney U on the runs'
    repetition samples, p < 0.05 and the median > 5% slower) in red.

Every chart has one unit, named in its caption (figure[data-unit]) and
used by all its tick labels; time charts pick s, ms, µs or ns to fit.

When the page has drawn, <body> carries data-charts (charts drawn),
data-expected (charts it should draw) and data-errors (script errors caught),
and document.title ends with "N charts": the headless test reads them.

    make_dashboard.py HISTORY.jsonl OUT.html
"""
import html
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load(path):
    runs = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        runs.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass  # a torn last line must not hide the rest
    return runs


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    runs = load(argv[1])
    with open(os.path.join(HERE, "dashboard.js")) as f:
        script = f.read()
    with open(os.path.join(HERE, "dashboard.css")) as f:
        style = f.read()
    # </script> inside the data would end the script element early.
    data = json.dumps(runs, separators=(",", ":")).replace("</", "<\\/")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>gorace benchmarks</title>
<style>{style}</style>
</head><body data-charts="0" data-expected="0" data-errors="0">
<script>
window.addEventListener('error', function () {{
  document.body.dataset.errors = String(Number(document.body.dataset.errors) + 1);
}});
</script>
<h1>gorace benchmarks</h1>
<p id="summary"></p>
<h2>Latest run</h2>
<div id="latest"></div>
<h2>Cost growth (latest run): ns per item against n</h2>
<div id="growth" class="grid"></div>
<h2>Memory per parked goroutine</h2>
<div id="parked" class="grid"></div>
<h2>Memory per idle TCP connection</h2>
<div id="conns" class="grid"></div>
<h2>Every benchmark over the history (ns/op, log scale)</h2>
<div id="history" class="grid"></div>
<script id="data" type="application/json">{data}</script>
<script>{script}</script>
</body></html>
"""
    os.makedirs(os.path.dirname(os.path.abspath(argv[2])), exist_ok=True)
    with open(argv[2], "w") as f:
        f.write(page)
    print(f"dashboard: {len(runs)} runs -> {html.escape(argv[2])}")


if __name__ == "__main__":
    main(sys.argv)
