"""Peak memory per build stage: runs a command (a `build.py ... build -v`),
samples the PSS of its whole process tree every 0.1 s and prints, beside each
stage line the build prints, the tree's peak during that stage and the CPU
time the tree used in it (user + system, summed over its processes as last
sampled: a process that lives less than 0.1 s may be missed).

    .venv/bin/python benchmarks/stage_memory.py .venv/bin/python build.py --root DIR build -v
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.build_bench import _memory_kb, process_tree  # noqa: E402


def tree_pss_kb(root: int) -> tuple[int, int]:
    """(PSS of `root` and its descendants, PSS of `root` alone), in kB."""
    sizes = {pid: _memory_kb(pid) for pid in process_tree(root)}
    return sum(sizes.values()), sizes.get(root, 0)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    stage = {"peak": 0, "main": 0, "overall": 0}
    cpu: dict[int, float] = {}  # pid -> CPU seconds as last sampled
    cpu_at_stage_start = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            for pid in process_tree(proc.pid):
                cpu[pid] = max(cpu.get(pid, 0.0), cpu_seconds(pid))
            total, main_kb = tree_pss_kb(proc.pid)
            if total > stage["peak"]:
                stage["peak"], stage["main"] = total, main_kb
            stage["overall"] = max(stage["overall"], total)
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    assert proc.stderr is not None
    for line in proc.stderr:
        if line.startswith("  ") and line.rstrip().endswith(" s"):  # a `-v` stage line
            used = sum(cpu.values())
            print(f"{line.rstrip()}   peak {stage['peak'] / 1024:6.0f} MB "
                  f"(main process {stage['main'] / 1024:.0f} MB), "
                  f"CPU {used - cpu_at_stage_start[0]:6.1f} s", flush=True)
            stage["peak"] = 0
            cpu_at_stage_start[0] = used
    proc.wait()
    print(f"peak of the whole run: {stage['overall'] / 1024:.0f} MB (process tree, PSS); "
          f"CPU {sum(cpu.values()):.1f} s (process tree, as sampled)")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
