"""The benchmark's measuring of a run: the process tree it samples, the
tree's peak memory and each stage's CPU time (`benchmarks/build_bench.py`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from benchmarks.build_bench import _tree_by_parents, measure, process_tree

# a parent that forks a child, which forks a grandchild; all three wait
_FAMILY = textwrap.dedent("""
    import os, sys, time
    if os.fork() == 0:
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        time.sleep(30)
        os._exit(0)
    print("ready", flush=True)
    time.sleep(30)
""")

# two stages as `build.py --verbose` reports them; the second holds 200 MB
# in a forked child and burns CPU there
_STAGES = textwrap.dedent("""
    import os, sys, time
    def burn(seconds):
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
    burn(0.4)
    print("  first   0.400 s", file=sys.stderr, flush=True)
    pid = os.fork()
    if pid == 0:
        block = bytearray(200 * 2**20)
        for i in range(0, len(block), 4096):
            block[i] = 1
        burn(0.6)
        time.sleep(1.0)
        os._exit(0)
    os.waitpid(pid, 0)
    print("  second  1.600 s", file=sys.stderr, flush=True)
""")


def test_the_tree_from_the_threads_children_lists_is_the_tree_by_parents():
    family = subprocess.Popen([sys.executable, "-c", _FAMILY], stdout=subprocess.PIPE, text=True)
    try:
        assert family.stdout is not None and family.stdout.readline() == "ready\n"
        deadline = time.monotonic() + 10
        while len(_tree_by_parents(family.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        tree = process_tree(family.pid)
        assert len(tree) == 3 and tree[0] == family.pid
        assert sorted(tree) == sorted(_tree_by_parents(family.pid))
    finally:
        family.kill()
        family.wait()


def test_a_run_is_measured_with_its_child_stage_by_stage():
    run = measure([sys.executable, "-c", _STAGES])
    assert run.code == 0
    assert run.stages == {"first": 0.4, "second": 1.6}
    assert run.stage_cpu["first"] >= 0.3  # the parent's burn
    assert run.stage_cpu["second"] >= 0.5  # the child's, sampled while it lived
    assert run.cpu >= 0.9
    assert run.peak_mb >= 200  # the child's block, read while it slept
    assert 0 < run.sampler_cpu < run.wall
