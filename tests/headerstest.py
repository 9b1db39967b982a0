#!/usr/bin/env python3
#
# headerstest.py: every public header compiles on its own, as strict C99
# and as C++, and uses no GLib, libxml2 or json-c types.
#
# usage: headerstest.py INCLUDE_DIR
#   FLEECE_CC  the C compiler command (required)
#   FLEECE_CXX the C++ compiler command (empty: C++ cases are skipped)
#
# Output is TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

FORBIDDEN = re.compile(r"#\s*include\s*<(glib|gio|gobject|libxml|json-c|json)"
                       r"|\bg(char|int|size|boolean|pointer)\b|\bxml(Doc|Node|XPath|Char|Ns|Attr)\w*"
                       r"|\bjson_object\b")


def compile_case(cmd, lang, header, incdir, extra):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "t." + ("c" if lang == "c" else "cc"))
        with open(src, "w") as fh:
            fh.write("#include <libvirt/%s>\n" % header)
            # a second inclusion must be harmless too
            fh.write("#include <libvirt/%s>\n" % header)
            fh.write("int fleece_header_test_dummy;\n")
        args = cmd + extra + ["-I", incdir, "-c", src,
                              "-o", os.path.join(tmp, "t.o")]
        res = subprocess.run(args, capture_output=True, text=True)
        return res.returncode == 0, res.stderr


def main(argv):
    incdir = os.path.abspath(argv[1])
    cc = shlex.split(os.environ.get("FLEECE_CC", ""))
    cxx = shlex.split(os.environ.get("FLEECE_CXX", ""))
    headers = sorted(os.path.basename(p) for p in
                     glob.glob(os.path.join(incdir, "libvirt", "*.h")))
    if not cc or not headers:
        print("1..0 # SKIP no C compiler or no headers")
        return 0

    c_flags = ["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror"]
    cxx_flags = ["-std=c++11", "-pedantic", "-Wall", "-Wextra", "-Werror"]
    cases = []
    for h in headers:
        cases.append(("%s: no GLib/libxml2/json-c types" % h, "scan", h, []))
        cases.append(("%s alone as C99" % h, "c", h, c_flags))
        cases.append(("%s alone as C99 with VIR_ENUM_SENTINELS" % h, "c", h,
                      c_flags + ["-DVIR_ENUM_SENTINELS"]))
        cases.append(("%s alone as C++" % h, "c++", h, cxx_flags))

    print("1..%d" % len(cases))
    failed = 0
    for i, (title, lang, h, flags) in enumerate(cases, 1):
        if lang == "scan":
            with open(os.path.join(incdir, "libvirt", h)) as fh:
                text = re.sub(r"/\*.*?\*/", " ", fh.read(), flags=re.S)
            bad = FORBIDDEN.search(text)
            ok, log = bad is None, bad.group(0) if bad else ""
        elif lang == "c++" and not cxx:
            print("ok %d - %s # SKIP no C++ compiler found" % (i, title))
            continue
        else:
            ok, log = compile_case(cc if lang == "c" else cxx, lang, h,
                                   incdir, flags)
        print("%s %d - %s" % ("ok" if ok else "not ok", i, title))
        if not ok:
            failed += 1
            for line in log.splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
