#!/usr/bin/env python3
"""Lists the processes of one test run still alive: those whose environment carries the run's
mark (VIGIL_TEST_RUN=<run>, exported by scripts/test and inherited by every process the tests
start, PostgreSQL and Chromium included). Nothing else on the machine is looked at by name.

Usage: leftovers.py RUN PID-TO-SKIP...   (prints "PID COMMAND" lines; none: nothing left)
"""
import os
import sys

mark = ("VIGIL_TEST_RUN=" + sys.argv[1]).encode()
skip = {os.getpid(), os.getppid(), *(int(pid) for pid in sys.argv[2:])}
for entry in os.listdir("/proc"):
    if not entry.isdigit() or int(entry) in skip:
        continue
    try:
        with open(f"/proc/{entry}/environ", "rb") as f:
            environment = f.read().split(b"\0")
        if mark not in environment:
            continue
        with open(f"/proc/{entry}/cmdline", "rb") as f:
            command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        continue  # Gone meanwhile, or not ours to read.
    print(entry, command)
