"""Run one command as the only child of this small process; print its cost as one JSON line.

    python benchmarks/measure.py TIMEOUT_S [STDOUT_FILE] -- COMMAND [ARG ...]

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


def measure(command: list[str], timeout_s: float, stdout: str | None = None) -> dict[str, object]:
    """Run ``command`` (stdout discarded, or written to ``stdout``) and return its exit code,
    wall/CPU time and peak RSS."""
    timed_out = False
    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL  # noqa: SIM115, PTH123
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=sink, stderr=subprocess.PIPE) as child:
        try:
            _, stderr = child.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            child.kill()
            _, stderr = child.communicate()
            timed_out = True
    wall = time.perf_counter() - start
    if stdout:
        sink.close()  # type: ignore[union-attr]
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
    if "--" not in argv or argv.index("--") not in (1, 2) or len(argv) < argv.index("--") + 2:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    stdout = argv[1] if split == 2 else None
    print(json.dumps(measure(argv[split + 1 :], float(argv[0]), stdout)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
