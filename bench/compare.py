#!/usr/bin/env python3
"""bench/compare: run gorace's benchmarks beside their Go twins and gate.

Builds (unless --no-build) and runs, each benchmark in a process of its own
(so its peak RSS is its own), with repetitions spread over rounds in which
the variants take turns (--rounds):
  gorace        bench/gorace_bench.cc against the release runtime
  gorace_instr  the same source against the instrumented runtime (with the
                native race detector and -fsanitize=thread when it exists)
  go, go_race   the twins in bench/go: `go test -bench` and `go test -race`
then parked_mem and its Go twin at 10k/100k/1M goroutines, and conn_mem and
its Go twin (memory per idle TCP connection, server and client side) at 10k
connections. Prints one table
(ns/op gorace vs Go, instrumented overhead vs Go -race overhead, allocations,
peak RSS), the cost-growth curves (ns per item against n, flagging anything
that grows faster than n), memory per parked goroutine and per idle
connection; appends one JSON
line to the history (bench/history.jsonl) and redraws the dashboard
(bench/dashboard/index.html) and the README's headline table
(bench/readme_table.py) from it.

The regression gate (--gate, default auto) builds the runtime of a baseline
commit from `git archive` into a temporary directory (auto: HEAD when rt/ or
include/ have uncommitted changes, else HEAD~1), compiles today's benchmark
source against it, runs the gate benchmarks alternately on both builds
(--gate-reps samples each) and applies the Mann-Whitney U test
(bench/stats.py): a regression is p < 0.05 with the median more than 5%
slower. Exit status 1 on a regression.

  bench/compare                 the full run (make bench), a few minutes
  bench/compare --smoke         seconds: everything runs once at small n, the
                                gate is an A/A run of the release binary
  bench/compare --filter 'Chan|Select' --reps 3 --time 0.2 --gate none
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import stats  # noqa: E402

VARIANTS = ("gorace", "gorace_instr", "go", "go_race")
# The gate's benchmarks: cheap, stable, and the ones the targets name.
GATE = ("SpawnJoin", "PingPong", "BufferedChan128", "Select2", "MutexContended/1",
        "RWMutexReadMostly", "WorkerPool8", "WaitGroup1k", "TimersN/1000")
# Release ns/op should be at most half of Go's on these (bench/README.md).
TARGETS = ("PingPong", "SpawnJoin", "BufferedChan128", "Select2", "MutexContended")
GROWTH = ("SpawnN", "ChanRingN", "SelectN", "TimersN", "RWMutexQueueN",
          "TicketWaveN")
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def growth_n(name):
    base, _, n = name.partition("/")
    return int(n) if base in GROWTH and n.isdigit() else None


# Growth benchmarks whose op is one item, however large n: only their set-up
# grows with n, so they run as many iterations as any micro-benchmark. Timed
# as one iteration, TimersN/1e5 showed 10 us per timer, all of it the first
# op's cold caches and page faults after the set-up (steady state: 0.2 us).
PER_ITEM_OPS = ("TimersN",)


# Under the race detectors a ring of a million goroutines takes a minute
# (ours) to a minute and a half (Go -race) per process to set up, lap once
# untimed and tear down: three repetitions would not fit in any timeout
# worth having, so it runs once, and its one lap is warm all the same.
# So does SpawnN: a round of 10^6 takes Go -race ~40 s, and each
# repetition is two rounds (the untimed one warms the memory).
ONCE_UNDER_RACE = ("ChanRingN", "SpawnN")
RACE_VARIANTS = ("gorace_instr", "go_race")


def runs_once(name, variant):
    n = growth_n(name)
    return (variant in RACE_VARIANTS and n is not None and n >= 1000000
            and name.split("/")[0] in ONCE_UNDER_RACE)


def heavy(name):
    """Benchmarks whose one op takes long: one iteration per repetition."""
    n = growth_n(name)
    per_item = name.split("/")[0] in PER_ITEM_OPS
    return name.startswith("Macro") or (n is not None and n >= 100000 and not per_item)


# ---- building ----------------------------------------------------------


def build(build_dir):
    log(f"== building in {build_dir}")
    if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):
        # A tree of its own: configure it; an existing one keeps its options.
        subprocess.run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                        "-DGORACE_TESTS=OFF"], check=True, stdout=subprocess.DEVNULL)
    targets = ["gorace_bench", "gorace_bench_instr", "parked_mem", "conn_mem"]
    if shutil.which("go"):
        targets.append("bench_go_twins")
    subprocess.run(["cmake", "--build", build_dir, "-j2", "--target", *targets], check=True,
                   stdout=sys.stderr)


def binaries(build_dir):
    b = os.path.join(build_dir, "bench")
    path = {k: os.path.join(b, f) for k, f in (
        ("gorace", "gorace_bench"), ("gorace_instr", "gorace_bench_instr"),
        ("go", "go_bench.test"), ("go_race", "go_bench_race.test"),
        ("parked", "parked_mem"), ("parked_go", "parked_mem_go"),
        ("conn", "conn_mem"), ("conn_go", "conn_mem_go"))}
    have = {k: p for k, p in path.items() if os.access(p, os.X_OK)}
    for k in ("gorace", "parked"):
        if k not in have:
            sys.exit(f"compare: {path[k]} missing (build first)")
    kind = "instr"
    try:
        with open(os.path.join(b, "instr_kind.txt")) as f:
            kind = f.read().strip()
    except OSError:
        pass
    return have, kind


# ---- running -----------------------------------------------------------


# taskset's CPU list for every benchmark process (--cpus), or None.
PIN = None


def run(cmd, env, timeout):
    if PIN:
        cmd = ["taskset", "-c", PIN, *cmd]
    try:
        p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if p.returncode != 0:
        tail = (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
        return p.stdout, f"exit {p.returncode}: {tail[:200]}"
    return p.stdout, None


def list_benchmarks(binary, filt, env):
    out, err = run([binary, "--benchmark_list_tests", f"--benchmark_filter={filt}"], env, 60)
    if err:
        sys.exit(f"compare: {binary} --benchmark_list_tests: {err}")
    return [line.strip().removesuffix("/real_time") for line in out.splitlines() if line.strip()]


def run_gorace(binary, name, reps, min_time, env, timeout, raw):
    """Samples (ns/op per repetition), allocs/op, maxrss_kb or an error."""
    pattern = "^" + re.escape(name) + "(/real_time)?$"
    out_json = os.path.join(raw, f"{os.path.basename(binary)}-{name.replace('/', '_')}.json")
    _, err = run([binary, f"--benchmark_filter={pattern}", f"--benchmark_min_time={min_time}",
                  f"--benchmark_repetitions={reps}", f"--benchmark_out={out_json}",
                  "--benchmark_out_format=json", "--benchmark_format=json"], env, timeout)
    if err:
        return {"error": err}
    with open(out_json) as f:
        doc = json.load(f)
    res = {"samples": [], "allocs_op": [], "maxrss_kb": []}
    for b in doc["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        if b.get("error_occurred"):
            return {"error": b.get("error_message", "error")}
        res["samples"].append(b["real_time"] * UNIT_NS[b.get("time_unit", "ns")])
        res["allocs_op"].append(b.get("allocs_op", 0.0))
        res["maxrss_kb"].append(b.get("maxrss_kb", 0.0))
    return summarize(res)


GO_LINE = re.compile(r"^Benchmark(\S+?)(?:-\d+)?\s+(\d+)\s+([\d.]+) ns/op(.*)$")


def go_pattern(name):
    return "/".join("^" + re.escape(part) + "$" for part in ("Benchmark" + name).split("/"))


def run_go(binary, name, reps, min_time, env, timeout):
    benchtime = "1x" if heavy(name) else f"{min_time}s"
    out, err = run([binary, "-test.run", "^$", "-test.bench", go_pattern(name),
                    "-test.benchtime", benchtime, "-test.count", str(reps),
                    "-test.benchmem"], env, timeout)
    if err:
        return {"error": err}
    res = {"samples": [], "allocs_op": [], "maxrss_kb": []}
    for line in out.splitlines():
        m = GO_LINE.match(line)
        if not m or m.group(1) != name:
            continue
        res["samples"].append(float(m.group(3)))
        extra = m.group(4)
        a = re.search(r"([\d.]+) allocs/op", extra)
        r = re.search(r"([\d.]+) maxrss_kb", extra)
        res["allocs_op"].append(float(a.group(1)) if a else 0.0)
        res["maxrss_kb"].append(float(r.group(1)) if r else 0.0)
    if not res["samples"]:
        return {"error": "no result line"}
    return summarize(res)


def merge(prev, r):
    """One variant's results over rounds: the samples of all, the first error."""
    if prev is None or "error" in prev:
        return prev or r
    if "error" in r:
        return r
    return summarize({k: prev[k + "_all"] + r[k + "_all"] for k in ("samples", "allocs_op", "maxrss_kb")})


def summarize(res):
    return {"ns_op": statistics.median(res["samples"]), "samples": res["samples"],
            "allocs_op": statistics.median(res["allocs_op"]),
            "maxrss_kb": max(res["maxrss_kb"]),
            **{k + "_all": res[k] for k in ("samples", "allocs_op", "maxrss_kb")}}


def parked_memory(bins, sizes, env, timeout):
    out = {}
    for side, key in (("gorace", "parked"), ("go", "parked_go")):
        if key not in bins:
            continue
        for n in sizes:
            text, err = run([bins[key], str(n)], env, timeout)
            m = re.search(r"bytes_per_goroutine=(-?\d+)", text or "")
            out.setdefault(side, {})[str(n)] = int(m.group(1)) if m and not err else None
            log(f"   parked {side} n={n}: {out[side][str(n)]} B")
    return out


CONN_LINE = re.compile(r"side=(\w+) .*bytes_per_conn=(-?\d+)")
PAGE = os.sysconf("SC_PAGE_SIZE")


def conn_memory(bins, sizes, env, timeout):
    """{side: {n: {"server": B, "client": B}}} per idle connection; None when
    the program failed (its last stderr line goes to problems)."""
    out, errors = {}, []
    for side, key in (("gorace", "conn"), ("go", "conn_go")):
        if key not in bins:
            continue
        for n in sizes:
            text, err = run([bins[key], str(n)], env, timeout)
            got = {m.group(1): int(m.group(2)) for m in CONN_LINE.finditer(text or "")}
            ok = not err and {"server", "client"} <= set(got)
            out.setdefault(side, {})[str(n)] = got if ok else None
            if not ok:
                errors.append(f"conn_mem {side} n={n}: {err or 'no result lines'}")
            log(f"   conn {side} n={n}: {got if ok else err}")
    return out, errors


# ---- the gate ----------------------------------------------------------


def git(*args):
    return subprocess.run(["git", "-C", REPO, *args], capture_output=True, text=True)


def baseline_rev(spec):
    if spec != "auto":
        return spec
    dirty = git("diff", "--quiet", "HEAD", "--", "rt", "include").returncode != 0
    return "HEAD" if dirty else "HEAD~1"


def build_baseline(rev, tmp):
    """gorace_bench built from today's source against rev's runtime."""
    commit = git("rev-parse", "--verify", rev + "^{commit}")
    if commit.returncode != 0:
        return None, f"no commit {rev}"
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    archive = subprocess.Popen(["git", "-C", REPO, "archive", commit.stdout.strip()],
                               stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", src], stdin=archive.stdout, check=True)
    archive.wait()
    bdir = os.path.join(tmp, "build")
    steps = [["cmake", "-S", src, "-B", bdir, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
              "-DGORACE_TESTS=OFF", "-DGORACE_HARNESS=OFF", "-DGORACE_BENCH=OFF"],
             ["cmake", "--build", bdir, "-j2", "--target", "gorace_rt"]]
    for s in steps:
        p = subprocess.run(s, capture_output=True, text=True)
        if p.returncode != 0:
            return None, f"{' '.join(s[:2])} failed: {p.stderr.strip()[-300:]}"
    exe = os.path.join(tmp, "gorace_bench_base")
    wrap = "-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc"
    p = subprocess.run(["gcc", "-O2", "-c", os.path.join(HERE, "malloc_count.c"), "-o",
                        os.path.join(tmp, "malloc_count.o")], capture_output=True, text=True)
    if p.returncode == 0:
        p = subprocess.run(["g++", "-O2", "-g", "-std=c++17", "-I", os.path.join(src, "include"),
                            os.path.join(HERE, "gorace_bench.cc"), os.path.join(tmp, "malloc_count.o"),
                            os.path.join(bdir, "rt", "libgorace.a"), wrap, "-lbenchmark", "-lunwind",
                            "-ldw", "-lpthread", "-o", exe], capture_output=True, text=True)
    if p.returncode != 0:
        return None, f"today's benchmarks do not build against {rev}: {p.stderr.strip()[-300:]}"
    return exe, commit.stdout.strip()[:12]


def gate(new_bin, base_bin, names, reps, min_time, env, raw):
    """Alternates single-repetition runs of both builds; Mann-Whitney each."""
    rows, worst = [], 0
    for name in names:
        base, new = [], []
        for _ in range(reps):
            for binary, into in ((base_bin, base), (new_bin, new)):
                r = run_gorace(binary, name, 1, min_time, env, 120, raw)
                if "error" in r:
                    rows.append((name, "error", r["error"]))
                    break
                into.append(r["samples"][0])
        if len(base) != reps or len(new) != reps:
            continue
        v, p, ratio = stats.verdict(base, new)
        rows.append((name, v, f"median {ratio:.3f}x  p={p:.4f}  base {fmt_ns(statistics.median(base))}"
                     f"  new {fmt_ns(statistics.median(new))}"))
        if v == "regression":
            worst = 1
    return rows, worst


# ---- output ------------------------------------------------------------


def fmt_ns(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v / 1e6:,.2f} ms"
    if v >= 1e4:
        return f"{v / 1e3:,.1f} µs"
    return f"{v:,.1f}"


def fmt_ratio(a, b):
    return f"{a / b:.2f}" if a and b else "-"


def table(head, rows, right):
    width = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]

    def line(r):
        return "  ".join(str(c).rjust(width[i]) if i in right else str(c).ljust(width[i])
                         for i, c in enumerate(r)).rstrip()
    return "\n".join([line(head), "  ".join("-" * w for w in width)] + [line(r) for r in rows])


def ns(results, name, variant):
    r = results.get(name, {}).get(variant)
    return r.get("ns_op") if r and "ns_op" in r else None


def report(results, names, kind, parked, problems, conns=None):
    out = []
    head = ("benchmark", "gorace ns/op", "Go ns/op", "gorace/Go", f"{kind} ns/op", "Go -race ns/op",
            f"gorace {kind}/release", "Go race/plain", "allocs/op gorace", "allocs/op Go",
            "peak RSS MB gorace", "peak RSS MB Go")
    for name in names:
        for v, r in results[name].items():
            if "error" in r and not r.get("skipped"):
                problems.append(f"{name} [{v}]: {r['error']}")
    rows = []
    for name in names:
        if growth_n(name) is not None:
            continue
        res = results[name]
        g, o, gi, orc = (ns(results, name, v) for v in ("gorace", "go", "gorace_instr", "go_race"))

        def mem(v, key, scale=1.0, fmt="{:.1f}"):
            r = res.get(v)
            return fmt.format(r[key] / scale) if r and key in r else "-"
        rows.append((name, fmt_ns(g), fmt_ns(o), fmt_ratio(g, o), fmt_ns(gi), fmt_ns(orc),
                     fmt_ratio(gi, g), fmt_ratio(orc, o), mem("gorace", "allocs_op", fmt="{:.2f}"),
                     mem("go", "allocs_op", fmt="{:.2f}"), mem("gorace", "maxrss_kb", 1024),
                     mem("go", "maxrss_kb", 1024)))
    out.append(table(head, rows, set(range(1, len(head)))))

    # Growth: ns per item against n; a per-item cost that keeps rising with n
    # is superlinear total cost.
    out.append("\ncost growth, ns per item (op / n; TimersN: ns per timer new+stop with n pending):")
    grows = {}
    for name in names:
        n = growth_n(name)
        if n is not None:
            grows.setdefault(name.split("/")[0], []).append((n, name))
    head = ("benchmark", "variant") + tuple(f"n={n:.0e}".replace("e+0", "e") for n in
                                            sorted({n for g in grows.values() for n, _ in g}))
    ncols = sorted({n for g in grows.values() for n, _ in g})
    rows, flags = [], []
    for base, pts in grows.items():
        for v in VARIANTS:
            div = (lambda n: 1) if base == "TimersN" else (lambda n: n)  # its op is one timer
            per = {n: (ns(results, nm, v) / div(n) if ns(results, nm, v) else None) for n, nm in pts}
            if not any(per.values()):
                continue
            rows.append((base, v) + tuple(f"{per[n]:.1f}" if per.get(n) else "-" for n in ncols))
            flag = superlinear(per)
            if flag:
                flags.append(f"{base} [{v}]: {flag}")
    out.append(table(head, rows, set(range(2, len(head)))))
    if flags:
        out.append("superlinear (per-item cost rising with n):\n  " + "\n  ".join(flags))

    if conns:
        out.append("\nmemory per idle TCP connection (RSS growth / n, bytes; server: a goroutine"
                   " parked in a read per accepted connection; client: the same in the dialing"
                   " process; goal: gorace <= Go + 1 page):")
        sizes = sorted({int(n) for side in conns.values() for n in side})
        rows = []
        for n in sizes:
            g, o = conns.get("gorace", {}).get(str(n)), conns.get("go", {}).get(str(n))
            for part in ("server", "client", "total"):
                def val(r):
                    if not r:
                        return None
                    return r["server"] + r["client"] if part == "total" else r[part]
                gv, ov = val(g), val(o)
                met = "-" if gv is None or ov is None else (
                    "yes" if gv <= ov + (2 if part == "total" else 1) * PAGE else "no")
                rows.append((f"{n:,}", part, gv if gv is not None else "-",
                             ov if ov is not None else "-", fmt_ratio(gv, ov),
                             f"{gv - ov:+d}" if gv is not None and ov is not None else "-", met))
        out.append(table(("connections", "side", "gorace", "Go", "gorace/Go", "gorace-Go",
                          "<= Go+page"), rows, {0, 2, 3, 4, 5}))
    if parked:
        out.append("\nmemory per parked goroutine (RSS growth / n, bytes):")
        sizes = sorted({int(n) for side in parked.values() for n in side})
        rows = []
        for n in sizes:
            g, o = parked.get("gorace", {}).get(str(n)), parked.get("go", {}).get(str(n))
            rows.append((f"{n:,}", g if g is not None else "-", o if o is not None else "-",
                         fmt_ratio(g, o)))
        out.append(table(("goroutines", "gorace", "Go", "gorace/Go"), rows, {0, 1, 2, 3}))
    return "\n".join(out)


def superlinear(per):
    """A note when the per-item cost at the largest n is 2x that at 10^3 or
    more (one decade up for the smallest points, where fixed costs dominate)."""
    pts = sorted((n, v) for n, v in per.items() if v)
    if len(pts) < 3:
        return None
    ref = next((v for n, v in pts if n >= 1000), pts[0][1])
    n_last, last = pts[-1]
    if last > 2 * ref:
        return f"{last / ref:.1f}x per item from n=1e3 to n={n_last:.0e}"
    return None


def machine_info():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.+)$", f.read(), re.M)
            cpu = m.group(1).strip() if m else cpu
    except OSError:
        pass
    return {"machine": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(),
            "kernel": platform.release()}


def history_line(results, kind, parked, procs, smoke, conns=None):
    commit = git("rev-parse", "HEAD").stdout.strip() or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip() != ""
    line = {"commit": commit, "dirty": dirty,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            **machine_info(), "gomaxprocs": procs, "instr_kind": kind, "smoke": smoke,
            "benchmarks": {}, "parked_bytes": parked, "conn_bytes": conns or {}}
    for name, res in results.items():
        line["benchmarks"][name] = {v: {k: r[k] for k in ("ns_op", "allocs_op", "maxrss_kb", "samples")}
                                    for v, r in res.items() if "ns_op" in r}
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", os.path.join(REPO, "build-bench")),
                    help="where to build and find the binaries (default: build-bench, not build)")
    ap.add_argument("--no-build", action="store_true",
                    help="measure the binaries already in --build-dir, as they are")
    ap.add_argument("--procs", type=int, default=os.cpu_count(), help="GOMAXPROCS (default: cores)")
    ap.add_argument("--time", type=float, help="min seconds per repetition (default 0.2; smoke 0.002)")
    ap.add_argument("--reps", type=int, help="repetitions (default 5; smoke 1)")
    ap.add_argument("--rounds", type=int, default=None,
                    help="split the repetitions over this many rounds, one process per "
                         "variant each, the variants alternating (default: as many as "
                         "repetitions; 1: each variant's repetitions in one process)")
    ap.add_argument("--filter", default=".", help="regex over benchmark names")
    ap.add_argument("--cpus", help="pin every benchmark process, both twins, to these CPUs "
                    "(taskset -c): at GOMAXPROCS 1 on this VM one vCPU ran the race build "
                    "at half the speed of the other, so a ratio told where a process landed")
    ap.add_argument("--maxn", type=int, help="largest growth n (default 1e6; smoke 1e3)")
    ap.add_argument("--parked", default=None, help="parked-memory sizes (default 10000,100000,1000000)")
    ap.add_argument("--conns", default=None,
                    help="idle-connection memory sizes (default 10000; smoke 200; 0: none)")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--gate", default=None, help="auto, none, or a git revision (smoke: aa)")
    ap.add_argument("--gate-reps", type=int, default=None, help="samples per side (default 10)")
    ap.add_argument("--history", default=os.path.join(HERE, "history.jsonl"))
    ap.add_argument("--dashboard", default=os.path.join(HERE, "dashboard", "index.html"))
    ap.add_argument("--keep", help="keep raw results in this directory")
    a = ap.parse_args()
    t0 = time.time()
    min_time = a.time if a.time is not None else (0.002 if a.smoke else 0.2)
    reps = a.reps or (1 if a.smoke else 5)
    maxn = a.maxn or (1000 if a.smoke else 1000000)
    parked_sizes = [int(x) for x in (a.parked or ("1000" if a.smoke else "10000,100000,1000000")).split(",")]
    conn_sizes = [int(x) for x in (a.conns or ("200" if a.smoke else "10000")).split(",") if int(x) > 0]
    gate_spec = a.gate or ("aa" if a.smoke else "auto")
    gate_reps = a.gate_reps or (3 if a.smoke else 10)

    if not a.no_build:
        build(a.build_dir)
    bins, kind = binaries(a.build_dir)
    if a.no_build:  # say what is measured: a stale build is easy to miss
        newest = max(os.path.getmtime(p) for p in bins.values())
        log(f"compare: --no-build: the binaries of {a.build_dir}, built "
            f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(newest))}")
    global PIN
    PIN = a.cpus
    if PIN:
        p = subprocess.run(["taskset", "-c", PIN, "true"], capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"compare: --cpus {PIN}: {p.stderr.strip() or 'taskset failed'}")
    env = dict(os.environ, GOMAXPROCS=str(a.procs), BENCH_MAXN=str(maxn),
               BENCH_MACRO_DIV="100" if a.smoke else "1")
    raw = a.keep or tempfile.mkdtemp(prefix="gorace-bench-")
    os.makedirs(raw, exist_ok=True)
    variants = [v for v in a.variants.split(",") if v in bins]
    for v in set(a.variants.split(",")) - set(variants):
        log(f"compare: {v} not built here (no Go?), skipped")

    names = list_benchmarks(bins["gorace"], a.filter, env)
    results, problems, timed_out = {}, [], set()
    for name in names:
        hv = heavy(name)
        r_reps, r_time = (min(reps, 3), 1e-9) if hv else (reps, min_time)
        results[name] = {}
        # Rounds: the machine's speed drifts over seconds (a neighbour's
        # load), and a variant whose repetitions all ran in one slow spell
        # read up to 1.7x its twin's where alternated runs read 0.85.
        # Alternating the variants round by round (reversing their order
        # each round) spreads the drift over all of them.
        n_rounds = max(1, min(a.rounds or r_reps, r_reps))
        for rnd in range(n_rounds):
            order = variants if rnd % 2 == 0 else variants[::-1]
            for v in order:
                timeout = 180 if hv else 120
                v_reps = r_reps // n_rounds + (rnd < r_reps % n_rounds)
                if runs_once(name, v):
                    if rnd:
                        continue
                    v_reps, timeout = 1, 400
                family = (name.split("/")[0], v)
                if "error" in results[name].get(v, {}):
                    continue
                if growth_n(name) is not None and family in timed_out:
                    # A larger n than one that timed out would time out too.
                    results[name][v] = {"error": "timeout", "skipped": True}
                    continue
                if v in ("go", "go_race"):
                    r = run_go(bins[v], name, v_reps, r_time, env, timeout)
                else:
                    r = run_gorace(bins[v], name, v_reps, r_time, env, timeout, raw)
                results[name][v] = merge(results[name].get(v), r)
                if r.get("error") == "timeout" or r.get("error", "").startswith("skipped:"):
                    timed_out.add(family)
        for v in variants:
            r = results[name].get(v, {})
            log(f"   {name:24s} {v:13s} " + (fmt_ns(r["ns_op"]) if "ns_op" in r else r.get("error", "-")))
    parked = parked_memory(bins, parked_sizes, env, 600)
    conns, conn_errors = conn_memory(bins, conn_sizes, env, 300)
    problems.extend(conn_errors)

    text = report(results, names, kind, parked, problems, conns)
    pinned = f"; pinned to CPUs {a.cpus}" if a.cpus else ""
    print(f"GOMAXPROCS={a.procs}{pinned}; instrumented build: {kind}; {reps} repetitions, medians")
    print(text)

    line = history_line(results, kind, parked, a.procs, a.smoke, conns)
    if a.cpus:
        line["cpus"] = a.cpus
    os.makedirs(os.path.dirname(os.path.abspath(a.history)), exist_ok=True)
    with open(a.history, "a") as f:
        f.write(json.dumps(line, separators=(",", ":")) + "\n")
    subprocess.run([sys.executable, os.path.join(HERE, "dashboard", "make_dashboard.py"),
                    a.history, a.dashboard], check=True)
    log(f"== history: {a.history}; dashboard: {a.dashboard}")
    # The README's headline table shows the same run as the dashboard.
    readme = os.path.join(HERE, "..", "README.md")
    if not a.smoke and os.path.abspath(a.history) == os.path.join(HERE, "history.jsonl"):
        subprocess.run([sys.executable, os.path.join(HERE, "readme_table.py"),
                        a.history, "--write", readme], check=True)
        log("== README.md: headline table from this run")

    status = 0
    if gate_spec != "none":
        gate_names = [n for n in GATE if n in names]
        with tempfile.TemporaryDirectory(prefix="gorace-gate-") as tmp:
            if gate_spec == "aa":
                base_bin, label = bins["gorace"], "A/A: the release binary against itself"
            else:
                rev = baseline_rev(gate_spec)
                log(f"== gate: building baseline {rev}")
                base_bin, label = build_baseline(rev, tmp)
                label = f"baseline {rev} ({label})" if base_bin else label
            if base_bin is None:
                print(f"\ngate: skipped: {label}")
            else:
                rows, status = gate(bins["gorace"], base_bin, gate_names, gate_reps, min_time, env, raw)
                print(f"\nregression gate vs {label}: {gate_reps} alternating samples each,"
                      " Mann-Whitney U, regression = p<0.05 and median >5% slower")
                print(table(("benchmark", "verdict", "detail"), rows, set()))
                if gate_spec == "aa":
                    status = 0  # an A/A run checks the machinery, not the code
    if a.smoke:
        want = {n for n in names if "error" not in results[n].get("gorace", {"error": 1})}
        if len(want) != len(names):
            problems.append("some benchmarks did not run")
    def finding(p):
        return p.endswith(": timeout") or ": skipped:" in p
    slow = [p for p in problems if finding(p)]
    problems = [p for p in problems if not finding(p)]
    if slow:
        print("\ntimed out or skipped (a finding, not a failure: see the growth table):\n  "
              + "\n  ".join(slow))
    if problems:
        print("\nproblems:\n  " + "\n  ".join(problems))
        status = 1
    if not a.keep:
        shutil.rmtree(raw, ignore_errors=True)
    log(f"== done in {time.time() - t0:.0f} s")
    print("bench: 1 passed, 0 failed" if status == 0 else "bench: 0 passed, 1 failed")
    return status


if __name__ == "__main__":
    sys.exit(main())
