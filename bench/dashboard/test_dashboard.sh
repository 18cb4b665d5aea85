#!/usr/bin/env bash
# The dashboard in a real headless Chromium, offline.
#
#   test_dashboard.sh BENCH_DIR OUT_DIR
#
# Draws the page from a history: bench/history.jsonl when it holds runs, else
# a synthetic one made here (three runs, every variant, growth and parked
# memory). Then checks, in Chromium (installed with apt-get when missing; the
# test exits 77, ctest's skip, with the reason when it cannot be):
#   - no console error and no uncaught script error (Chromium's log on stderr
#     and the page's own error counter, body[data-errors]);
#   - one chart per benchmark and per growth family and parked size was drawn
#     (body[data-charts] equals body[data-expected] and the count computed
#     here from the history; document.title ends with "N charts");
#   - every chart declares its one unit (figure[data-unit]), and the memory
#     charts are linear, in bytes;
#   - a screenshot, kept as OUT_DIR/dashboard.png.
set -euo pipefail
bench=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
rm -rf "$out/profile" "$out/dom.html" "$out/chromium.log" "$out/dashboard.png"

find_chromium() {
    command -v chromium || command -v chromium-browser || true
}
browser=$(find_chromium)
if [ -z "$browser" ]; then
    echo "dashboard test: chromium missing, installing it with apt-get"
    sudo=
    [ "$(id -u)" = 0 ] || sudo="sudo -n"
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        $sudo apt-get install -y -qq chromium; } >"$out/apt.log" 2>&1; then
        echo "SKIP: chromium could not be installed (see $out/apt.log)"
        exit 77
    fi
    browser=$(find_chromium)
    [ -n "$browser" ] || { echo "SKIP: chromium not found after install"; exit 77; }
fi

history=$bench/history.jsonl
if ! [ -s "$history" ]; then
    history=$out/history.jsonl
    python3 - "$history" <<'EOF'
import json, sys
runs = []
for k in range(3):
    b = {}
    for name, base in (("PingPong", 150), ("SpawnJoin", 250), ("MutexContended/1", 12),
                       ("MacroPool100k", 2.4e7)):
        b[name] = {v: {"ns_op": base * f * (1 + 0.05 * k), "allocs_op": 0.0, "maxrss_kb": 5000.0,
                       "samples": [base * f * (1 + 0.05 * k + 0.01 * i) for i in range(5)]}
                   for v, f in (("gorace", 1), ("gorace_instr", 8), ("go", 2), ("go_race", 10))}
    for fam, base in (("SpawnN", 300), ("ChanRingN", 150)):
        for n in (100, 1000, 10000, 100000):
            b[f"{fam}/{n}"] = {v: {"ns_op": base * f * n, "allocs_op": 1.0, "maxrss_kb": 9000.0,
                                   "samples": [base * f * n]}
                               for v, f in (("gorace", 1), ("gorace_instr", 8), ("go", 2), ("go_race", 10))}
    runs.append({"commit": f"{k:040d}", "dirty": False, "date": f"2024-01-0{k + 1}T00:00:00+00:00",
                 "machine": "synthetic", "cpu": "synthetic", "gomaxprocs": 2, "instr_kind": "race",
                 "smoke": False, "benchmarks": b,
                 "parked_bytes": {"gorace": {"10000": 4400, "100000": 4420},
                                  "go": {"10000": 2700, "100000": 2750}},
                 "conn_bytes": {"gorace": {"10000": {"server": 4550, "client": 4580}},
                                "go": {"10000": {"server": 3400, "client": 3480}}}})
with open(sys.argv[1], "w") as f:
    for r in runs:
        f.write(json.dumps(r) + "\n")
EOF
fi
page=$out/dashboard.html
python3 "$bench/dashboard/make_dashboard.py" "$history" "$page"

# Charts the page must draw: one per benchmark, per growth family of the
# latest run, per parked-memory size.
want=$(python3 - "$history" <<'EOF'
import json, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
names = {n for r in runs for n in r.get("benchmarks", {})}
fams = {n.split("/")[0] for n in runs[-1]["benchmarks"]
        if n.split("/")[0] in ("SpawnN", "ChanRingN", "SelectN", "TimersN", "RWMutexQueueN", "TicketWaveN") and n.split("/")[-1].isdigit()}
sizes = {n for r in runs for side in (r.get("parked_bytes") or {}).values() for n in side}
conns = {n for r in runs for side in (r.get("conn_bytes") or {}).values() for n in side}
print(len(names) + len(fams) + len(sizes) + len(conns))
EOF
)

flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
    --disable-component-update --disable-sync --disable-extensions --user-data-dir="$out/profile"
    --enable-logging=stderr --v=0 --virtual-time-budget=5000)
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$page" >"$out/dom.html" 2>"$out/chromium.log" || true
rm -rf "$out/profile"
timeout 120 "$browser" "${flags[@]}" --user-data-dir="$out/profile" --window-size=1400,2400 \
    --screenshot="$out/dashboard.png" "file://$page" >/dev/null 2>>"$out/chromium.log" || true
rm -rf "$out/profile"

python3 - "$out" "$want" <<'EOF'
import re, sys
out, want = sys.argv[1], int(sys.argv[2])
dom = open(f"{out}/dom.html", errors="replace").read()
log = open(f"{out}/chromium.log", errors="replace").read()
failures = []
checks = 0

def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)

body = re.search(r"<body([^>]*)>", dom)
attrs = dict(re.findall(r'data-(\w+)="(\d+)"', body.group(1))) if body else {}
title = re.search(r"<title>([^<]*)</title>", dom)
check(body is not None, "no <body> in the dumped DOM (page did not load)")
check(attrs.get("errors") == "0", f"script errors on the page: {attrs.get('errors')}")
check(attrs.get("charts") == str(want), f"charts drawn {attrs.get('charts')}, want {want}")
check(attrs.get("expected") == str(want), f"charts expected by the page {attrs.get('expected')}, want {want}")
check(title is not None and title.group(1).endswith(f"{want} charts"),
      f"title {title.group(1) if title else None!r}")
check(dom.count("<canvas") == want, f"{dom.count('<canvas')} canvases, want {want}")
figs = re.findall(r"<figure([^>]*)>", dom)
units = [re.search(r'data-unit="([^"]+)"', f) for f in figs]
check(len(figs) == want and all(units), "a chart without its one unit (data-unit)")
parked = [f for f in figs if 'data-title="parked goroutine' in f or 'data-title="idle connection' in f]
check(bool(parked) and all('data-scale="linear"' in f and 'data-unit="bytes"' in f for f in parked),
      "memory charts are not linear charts in bytes")
console = [l for l in log.splitlines() if "CONSOLE" in l or "Uncaught" in l]
check(not console, "console messages:\n    " + "\n    ".join(console))
import os
check(os.path.getsize(f"{out}/dashboard.png") > 10000 if os.path.exists(f"{out}/dashboard.png") else False,
      "no screenshot")
for f in failures:
    print("FAIL:", f)
print(f"dashboard ({want} charts, screenshot {out}/dashboard.png): "
      f"{checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
EOF
