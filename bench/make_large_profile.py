#!/usr/bin/env python3
"""Writes a valid profile with N entries of distinct keys (the first entry of the bundled example,
its sequence range shifted per entry), for timing `burst-tune validate` (bench/results/profile-validate.md).

    python3 bench/make_large_profile.py 200000 /tmp/profile-200k.json
"""
import copy
import json
import pathlib
import sys


def main() -> None:
    count, out = int(sys.argv[1]), sys.argv[2]
    example = pathlib.Path(__file__).resolve().parent.parent / "profiles" / "examples" / "cpu-example.json"
    doc = json.loads(example.read_text())
    template = doc["entries"][0]
    entries = []
    for i in range(count):
        e = copy.deepcopy(template)
        e["key"]["seq_min"] = 1024 * (i + 1)
        e["key"]["seq_max"] = 1024 * (i + 1) + 512
        entries.append(e)
    doc["entries"] = entries
    pathlib.Path(out).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
