#!/usr/bin/env python3
"""Whole-process wall time of a command, as a small stand-in for hyperfine.

    proc_wall.py --runs N --warmup W -- COMMAND ARGS...

Spawns the command with os.posix_spawn (stdout and stderr to /dev/null), times from just before
the spawn to the return of wait4, W untimed runs first, then N timed ones. Fails if any run
exits non-zero. Prints JSON: {"runs": N, "min_ms", "median_ms", "mean_ms", "max_ms",
"max_rss_kib"}.
"""
import argparse
import json
import os
import statistics
import sys
import time


def run_once(argv, devnull):
    file_actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=file_actions)
    _, status, rusage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"proc_wall: {' '.join(argv)} exited with {code}")
    return elapsed * 1000.0, rusage.ru_maxrss


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    argv = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not argv:
        parser.error("no command")
    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(args.warmup):
        run_once(argv, devnull)
    times, rss = [], 0
    for _ in range(args.runs):
        ms, maxrss = run_once(argv, devnull)
        times.append(ms)
        rss = max(rss, maxrss)
    print(json.dumps({"runs": args.runs, "min_ms": min(times),
                      "median_ms": statistics.median(times),
                      "mean_ms": statistics.fmean(times), "max_ms": max(times),
                      "max_rss_kib": rss}))


if __name__ == "__main__":
    main()
