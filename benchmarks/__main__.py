"""Run every benchmark in turn and print its figures (`make bench`)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def main() -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    only = set(sys.argv[1:])
    failed = 0
    for name in names:
        if only and name not in only:
            continue
        start = time.perf_counter()
        print(f"\n== {name}", flush=True)
        try:
            importlib.import_module(f"benchmarks.{name}").main([])
        except Exception as exc:  # keep going: one broken benchmark should not hide the rest
            failed += 1
            print(f"  FAILED: {exc!r}")
        print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
