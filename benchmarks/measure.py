"""Run one command as the only child of this small process; print its cost as one JSON line.

    python benchmarks/measure.py TIMEOUT_S -- COMMAND [ARG ...]

``getrusage(RUSAGE_CHILDREN)`` reports the largest peak RSS of any waited-for child, so each
measurement needs a fresh parent that has exactly one child: this script. It imports only the
standard library and stays small, so the child's peak RSS is its own: Linux carries the
pre-exec RSS of a forked child into ``ru_maxrss``, so a big parent would inflate it, and this one
puts a floor of ~11 MB under every reading (``/bin/true`` reads 11 MB). Linux only.

Output keys: rc, timed_out, wall_s (perf_counter around spawn + wait, interpreter start
included), cpu_s (child user + system), maxrss_mb (peak resident set, MiB), stderr (last 2 kB).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time

_STDERR_TAIL = 2000


def measure(command: list[str], timeout_s: float) -> dict[str, object]:
    """Run ``command`` (stdout discarded) and return its exit code, wall/CPU time and peak RSS."""
    timed_out = False
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as child:
        try:
            _, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            _, stderr = child.communicate()
            timed_out = True
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rc": child.returncode,
        "timed_out": timed_out,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "stderr": stderr.decode("utf-8", "replace")[-_STDERR_TAIL:],
    }


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(measure(argv[2:], float(argv[0]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
