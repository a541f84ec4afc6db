"""`python -m bench [--quick] [B1 B2 …]`: run the benchmarks and print every figure."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from bench import markdown
from bench.report import Figure, machine, save


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check they run")
    parser.add_argument("only", nargs="*", help="benchmark ids to run, e.g. B2 B3")
    args = parser.parse_args()
    wanted = {b.upper() for b in args.only}
    print(f"machine: {machine()}", flush=True)
    figures: list[Figure] = []
    for module in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda m: m.name):
        if module.name[:1] != "b" or not module.name[1:2].isdigit():
            continue
        bench_id = module.name.split("_", 1)[0].upper()
        if wanted and bench_id not in wanted:
            continue
        print(f"--- {module.name}", flush=True)
        mod = importlib.import_module(f"bench.{module.name}")
        produced: list[Figure] = []
        for figure in mod.run(quick=args.quick):
            print(figure.line(), flush=True)
            produced.append(figure)
        if produced and not args.quick:
            markdown.record(module.name, produced)
        figures.extend(produced)
    if figures:
        print(f"saved {save(figures, 'bench')}")
    if figures and not args.quick:
        print(f"updated {markdown.write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
