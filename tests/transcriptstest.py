#!/usr/bin/env python3
#
# transcriptstest.py: every QMP transcript the tests replay is QEMU's own
# (recorded with FLEECE_TEST_REGENERATE=1, see tests/qemuqmpscenario.h),
# or says why it cannot be.
#
# usage: transcriptstest.py TESTS_DIR      Output: TAP.
#
# A transcript is recorded when its header says "Recorded from real
# QEMU"; within it, a reply QEMU could not be made to give is marked
# "# INJECTED: why" between the command and that reply.  A transcript
# written by hand (unit fixtures of the monitor's transport: EOF,
# garbage, oversized or unknown replies...) carries
# "# HAND-WRITTEN: why".  The transcripts of checkpoints and backups
# (qemucheckpointdata/, qemubackupdata/) must all be recorded.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import sys

RECORDED_ONLY = ("qemucheckpointdata", "qemubackupdata")
DIRS = RECORDED_ONLY + ("qemumonitortestdata",)
NOT_TRANSCRIPTS = {"qmp-table.txt"}


def check(path, recorded_only):
    """(kind, problem, injected) for one transcript."""
    lines = open(path).read().splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    recorded = any("Recorded from real QEMU" in h for h in header)
    hand = [h for h in header if h.startswith("# HAND-WRITTEN:")]
    injected = 0
    for i, line in enumerate(lines):
        if line.startswith("# INJECTED:"):
            if not recorded:
                return "hand", "INJECTED outside a recorded transcript", 0
            if len(line[len("# INJECTED:"):].strip()) < 10:
                return "recorded", "an injection without its reason", 0
            prev = lines[i - 1] if i > 0 else ""
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            if not (prev.startswith("-> ") or prev.startswith("!check ")) or \
               not nxt.startswith("<- "):
                return "recorded", "INJECTED must sit between a command and its reply", 0
            injected += 1
    if recorded:
        return "recorded", None, injected
    if recorded_only:
        return "hand", "not recorded from QEMU (FLEECE_TEST_REGENERATE=1)", 0
    if not hand or len(hand[0][len("# HAND-WRITTEN:"):].strip()) < 10:
        return "hand", "neither recorded nor marked '# HAND-WRITTEN: why'", 0
    return "hand", None, 0


def main():
    top = sys.argv[1]
    n = failed = 0
    counts = {"recorded": 0, "hand": 0}
    injections = 0
    for d in DIRS:
        for path in sorted(glob.glob(os.path.join(top, d, "*.txt"))):
            name = os.path.basename(path)
            if name in NOT_TRANSCRIPTS:
                continue
            kind, problem, inj = check(path, d in RECORDED_ONLY)
            n += 1
            counts[kind] += 1
            injections += inj
            title = f"{d}/{name} ({kind}{', %d injected' % inj if inj else ''})"
            if problem:
                failed += 1
                print(f"not ok {n} - {title}\n# {problem}")
            else:
                print(f"ok {n} - {title}")
    print(f"# {counts['recorded']} recorded from QEMU ({injections} injected "
          f"replies), {counts['hand']} hand-written")
    print(f"1..{n}")
    return 1 if failed or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
