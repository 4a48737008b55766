"""Run every benchmark script in this folder, one after another, and print their figures."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path


def machine_description() -> str:
    """Return a one-line description of the machine the figures come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str]) -> int:
    """Run the named benchmarks (default: all) and return the number that failed."""
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if argv:
        scripts = [s for s in scripts if any(name in s.stem for name in argv)]
    print(f"machine: {machine_description()}", flush=True)
    failed = 0
    for script in scripts:
        print(f"\n== {script.stem} ==", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=here.parent, check=False)
        failed += result.returncode != 0
    return failed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
