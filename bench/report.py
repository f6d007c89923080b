#!/usr/bin/env python3
"""Combines the figures of one `make bench` run into the table (called by bench/run.sh).

    report.py --workflows DIR --tactus-bench FILE --tactus-outputs DIR --local-sfn FILE
              --moto FILE --wall FILE [--json-out FILE]

--tactus-bench is asl_bench's --benchmark_out JSON; --tactus-outputs holds NAME.json, the
output of `tactus run` for each workflow; --local-sfn and --moto are the peers' JSON (a missing,
empty or unparsable file means the peer is unavailable); --wall is proc_wall.py's JSON.
Prints the table, warns when a peer's output differs from tactus's, and exits 0 (the figures
are the product; the targets are reported, not enforced).
"""
import argparse
import json
import os
import sys

TARGET_RATIO_LOCAL_SFN = 50.0
TARGET_WALL_MS = 20.0


def load(path):
    """The JSON document in `path` (or its last line, after any log lines), or None."""
    try:
        with open(path) as f:
            text = f.read().strip()
    except OSError:
        return None
    for candidate in (text, text.splitlines()[-1] if text else ""):
        try:
            return json.loads(candidate)
        except ValueError:
            pass
    return None


def canonical(value):
    """JSON text where 2 and 2.0 compare equal and object key order does not matter."""
    def norm(v):
        if isinstance(v, bool) or v is None or isinstance(v, str):
            return v
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        return v
    return json.dumps(norm(value), sort_keys=True, separators=(",", ":"))


def tactus_figures(bench, prefix="BM_Run/"):
    """{name: (exec_per_s, us_per_transition)} from Google Benchmark JSON, median if repeated."""
    figures, plain = {}, {}
    for b in (bench or {}).get("benchmarks", []):
        name = b.get("run_name", b["name"])
        if not name.startswith(prefix):
            continue
        workflow = name[len(prefix):].split("/")[0]
        pair = (b.get("items_per_second"), b.get("us_per_transition"))
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                figures[workflow] = pair
        else:
            plain.setdefault(workflow, pair)
    for workflow, pair in plain.items():
        figures.setdefault(workflow, pair)
    return figures


def fmt_rate(x):
    if x is None:
        return "n/a"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def fmt_us(x):
    return "n/a" if x is None else (f"{x:,.1f}" if x >= 100 else f"{x:.2f}")


def fmt_ratio(a, b):
    return "n/a" if not a or not b else f"{a / b:,.1f}x"


def peer_results(data):
    if not data or "results" not in data:
        return None
    return data["results"]


def main():
    p = argparse.ArgumentParser()
    for flag in ("--workflows", "--tactus-bench", "--tactus-outputs", "--local-sfn", "--moto",
                 "--wall"):
        p.add_argument(flag, required=True)
    p.add_argument("--json-out")
    args = p.parse_args()

    with open(os.path.join(args.workflows, "manifest.json")) as f:
        manifest = json.load(f)["workflows"]
    tactus_raw = load(args.tactus_bench)
    tactus = tactus_figures(tactus_raw)
    tactus_nohist = tactus_figures(tactus_raw, "BM_RunNoHistory/")
    local_raw, moto_raw = load(args.local_sfn), load(args.moto)
    local, moto = peer_results(local_raw), peer_results(moto_raw)
    wall = load(args.wall)

    warnings = []
    for label, raw in (("aws-local-stepfunctions", local_raw), ("moto", moto_raw)):
        if raw is None:
            warnings.append(f"{label}: unavailable (see its log above); figures are n/a")
        elif "unavailable" in raw:
            warnings.append(f"{label}: unavailable: {raw['unavailable']}")

    rows, summary = [], {"workflows": {}}
    for entry in manifest:
        name = entry["name"]
        t_rate, t_us = tactus.get(name, (None, None))
        n_rate, _ = tactus_nohist.get(name, (None, None))
        expected = load(os.path.join(args.tactus_outputs, f"{name}.json"))
        if expected is None:
            warnings.append(f"{name}: no `tactus run` output to compare with")
        elif expected.get("status") != "SUCCEEDED":
            warnings.append(f"{name}: `tactus run` did not succeed: {expected}")
        cells = {}
        for label, results in (("local-sfn", local), ("moto", moto)):
            r = (results or {}).get(name)
            rate = None
            if r is not None:
                if r.get("status") != "SUCCEEDED":
                    warnings.append(f"{name}: {label} did not succeed: {r.get('error')}")
                else:
                    rate = r.get("exec_per_s")
                    if expected and expected.get("status") == "SUCCEEDED" and \
                            canonical(r.get("output")) != canonical(expected.get("output")):
                        warnings.append(
                            f"WARNING {name}: {label} output differs from tactus's:\n"
                            f"    tactus: {canonical(expected.get('output'))[:300]}\n"
                            f"    {label}: {canonical(r.get('output'))[:300]}")
            cells[label] = (rate, (r or {}).get("us_per_transition") if rate else None)
        rows.append([name, str(entry["transitions"]), fmt_rate(t_rate), fmt_us(t_us),
                     fmt_rate(n_rate),
                     fmt_rate(cells["local-sfn"][0]), fmt_us(cells["local-sfn"][1]),
                     fmt_rate(cells["moto"][0]), fmt_us(cells["moto"][1]),
                     fmt_ratio(t_rate, cells["local-sfn"][0]),
                     fmt_ratio(n_rate, cells["local-sfn"][0]),
                     fmt_ratio(t_rate, cells["moto"][0])])
        summary["workflows"][name] = {
            "transitions": entry["transitions"],
            "tactus": {"exec_per_s": t_rate, "us_per_transition": t_us},
            "tactus_no_history": {"exec_per_s": n_rate},
            "local_sfn": {"exec_per_s": cells["local-sfn"][0],
                          "us_per_transition": cells["local-sfn"][1]},
            "moto": {"exec_per_s": cells["moto"][0], "us_per_transition": cells["moto"][1]},
        }

    header = ["workflow", "trans.", "tactus exec/s", "tactus us/tr", "no-history exec/s",
              "local-sfn exec/s", "local-sfn us/tr", "moto exec/s", "moto us/tr",
              "tactus/local-sfn", "no-history/local-sfn", "tactus/moto"]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = lambda cols: "| " + " | ".join(
        c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cols, widths))) + " |"
    print(line(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print(line(r))
    print()
    print("exec/s: executions per second, one at a time, in-process (moto: start_execution + "
          "describe_execution polling).")
    print("us/tr: wall microseconds per state transition (states entered, nested included).")
    print("tactus records the full execution history; no-history runs as express executions do "
          "(AWS keeps none for them; aws-local-stepfunctions keeps none either).")

    ratios = [v["tactus"]["exec_per_s"] / v["local_sfn"]["exec_per_s"]
              for v in summary["workflows"].values()
              if v["tactus"]["exec_per_s"] and v["local_sfn"]["exec_per_s"]]
    if ratios:
        worst = min(ratios)
        verdict = "MET" if worst >= TARGET_RATIO_LOCAL_SFN else "NOT MET"
        print(f"target >= {TARGET_RATIO_LOCAL_SFN:.0f}x aws-local-stepfunctions per execution: "
              f"{verdict} (lowest ratio {worst:,.1f}x)")
        summary["lowest_ratio_local_sfn"] = worst
    else:
        print(f"target >= {TARGET_RATIO_LOCAL_SFN:.0f}x aws-local-stepfunctions: n/a")
    if wall:
        verdict = "MET" if wall["median_ms"] <= TARGET_WALL_MS else "NOT MET"
        print(f"`tactus run` ten_states.json, whole process, {wall['runs']} runs: "
              f"median {wall['median_ms']:.2f} ms, min {wall['min_ms']:.2f} ms, "
              f"max {wall['max_ms']:.2f} ms, max RSS {wall['max_rss_kib'] / 1024:.1f} MiB; "
              f"target <= {TARGET_WALL_MS:.0f} ms: {verdict}")
        summary["process_wall"] = wall
    else:
        print("`tactus run` process wall time: n/a (measurement failed)")
    if warnings:
        print()
        for w in warnings:
            print(w)
    summary["warnings"] = warnings
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
