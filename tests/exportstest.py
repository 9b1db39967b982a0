#!/usr/bin/env python3
#
# exportstest.py: the public headers, the version script and the shared
# library agree on the list of public functions.
#
# usage: exportstest.py INCLUDE_DIR SYMS_FILE LIBFLEECE_SO
#        exportstest.py --list INCLUDE_DIR   (print the header list)
#
# Output is TAP.  A function declared but not exported, exported but not
# declared, or listed in the .syms file but absent (or the reverse) fails.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import re
import subprocess
import sys


def header_functions(incdir):
    """Names of the functions declared in include/libvirt/*.h."""
    names = set()
    for path in sorted(glob.glob(os.path.join(incdir, "libvirt", "*.h"))):
        with open(path) as fh:
            text = fh.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        text = re.sub(r"//[^\n]*", " ", text)
        # preprocessor lines, with their continuations
        text = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", text, flags=re.M)
        text = text.replace('extern "C" {', " ")
        # drop enum/struct/union bodies, innermost first
        prev = None
        while prev != text:
            prev = text
            text = re.sub(r"\{[^{}]*\}", " ", text)
        for stmt in text.split(";"):
            stmt = " ".join(stmt.split())
            if not stmt or stmt.startswith("typedef") or stmt == "}":
                continue
            stmt = stmt.lstrip("} ")
            m = re.match(r"^[\w\s\*]+?\**\s*\b(\w+)\s*\((.*)\)$", stmt)
            if m:
                names.add(m.group(1))
    return names


def syms_functions(path):
    names = set()
    in_global = False
    with open(path) as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line == "global:":
                in_global = True
            elif line == "local:":
                in_global = False
            elif in_global and line.endswith(";"):
                names.add(line[:-1].strip())
    return names


def library_functions(path):
    out = subprocess.run(["nm", "-D", "--defined-only", path],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or parts[1] not in ("T", "W", "i"):
            continue
        names.add(parts[2].split("@", 1)[0])
    return names


def main(argv):
    if len(argv) == 3 and argv[1] == "--list":
        for name in sorted(header_functions(argv[2])):
            print(name)
        return 0
    if len(argv) != 4:
        print("usage: exportstest.py INCLUDE_DIR SYMS_FILE LIBFLEECE_SO",
              file=sys.stderr)
        return 2

    declared = header_functions(argv[1])
    listed = syms_functions(argv[2])
    exported = library_functions(argv[3])

    checks = [
        ("headers declare public functions", bool(declared), []),
        ("every declared function is in the .syms file",
         not (declared - listed), sorted(declared - listed)),
        ("every .syms entry is declared in a header",
         not (listed - declared), sorted(listed - declared)),
        ("every declared function is exported by the library",
         not (declared - exported), sorted(declared - exported)),
        ("the library exports nothing undeclared",
         not (exported - declared), sorted(exported - declared)),
    ]
    failed = 0
    print("1..%d" % len(checks))
    for i, (title, ok, extra) in enumerate(checks, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, title))
        for name in extra:
            print("# %s" % name)
        failed += 0 if ok else 1
    print("# %d declared, %d in .syms, %d exported"
          % (len(declared), len(listed), len(exported)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
