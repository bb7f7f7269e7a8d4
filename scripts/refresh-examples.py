#!/usr/bin/env python3
"""Rewrites the example outputs of README.md and docs/*.md with the binary's real output (the
blocks tests/it/examples.rs checks: a fence whose first line is `$ straceback ARGS`, optionally
`| head -n N`). Run from the crate root after `cargo build`; review `git diff` before committing.
"""
import glob, os, subprocess, sys

BIN = os.environ.get("BIN", "target/debug/straceback")

def run(command):
    args, _, head = command.partition(" | head -n ")
    out = subprocess.run([BIN] + args.split(), capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    lines = out.stdout.splitlines()
    return lines[: int(head)] if head else lines

for path in ["README.md"] + sorted(glob.glob("docs/*.md")):
    lines = open(path).read().split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        fence = len(line) - len(line.lstrip("`"))
        rest = line.lstrip("`").strip()
        if fence >= 3 and "`" not in rest and i + 1 < len(lines) and lines[i + 1].startswith("$ straceback "):
            close = "`" * fence
            j = i + 1
            while j < len(lines) and lines[j].rstrip() != close:
                j += 1
            command = lines[i + 1][len("$ straceback "):]
            out.append(lines[i + 1])
            out.extend(run(command))
            i = j
            continue
        i += 1
    new = "\n".join(out)
    if new != "\n".join(lines):
        open(path, "w").write(new)
        print("updated", path, file=sys.stderr)
