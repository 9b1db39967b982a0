#!/usr/bin/env python3
#
# libvirtcompattest.py: Fleece's public headers agree with libvirt's.
#
# usage: libvirtcompattest.py INCLUDE_DIR REFERENCE_INCLUDE_DIR
#   FLEECE_CC  the C compiler command
#
# When libvirt's headers are installed (REFERENCE_INCLUDE_DIR/libvirt/
# libvirt.h, read at build time only, nothing is linked), every enum
# constant and value macro Fleece declares must have the same value
# there, every function Fleece declares must redeclare libvirt's without
# conflict, and the public structs must have the same size and offsets.
# Names marked "Fleece extension" are skipped.  Without libvirt's
# headers the test is skipped (a TAP plan "1..0 # SKIP why").  Output
# is TAP.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile

STRUCTS = {
    "virTypedParameter": ["field", "type", "value"],
    "virDomainInfo": ["state", "maxMem", "memory", "nrVirtCpu", "cpuTime"],
    "virDomainJobInfo": ["type", "timeElapsed", "timeRemaining", "dataTotal",
                         "dataProcessed", "dataRemaining", "memTotal",
                         "memProcessed", "memRemaining", "fileTotal",
                         "fileProcessed", "fileRemaining"],
    "virDomainBlockJobInfo": ["type", "bandwidth", "cur", "end"],
    "virError": ["code", "domain", "message", "level", "conn", "dom",
                 "str1", "str2", "str3", "int1", "int2", "net"],
}


def read_headers(incdir):
    texts = {}
    for path in sorted(glob.glob(os.path.join(incdir, "libvirt", "*.h"))):
        with open(path) as fh:
            texts[os.path.basename(path)] = fh.read()
    return texts


def extension_lines(text):
    return [line for line in text.splitlines() if "Fleece extension" in line]


def constants(texts):
    """(name, is_string) of enumerators and value macros."""
    out = []
    skip = set()
    for text in texts.values():
        for line in extension_lines(text):
            skip.update(re.findall(r"\b(VIR_[A-Z0-9_]+|vir\w+)\b", line))
    seen = set()
    for text in texts.values():
        body = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        for m in re.finditer(r"^\s*(VIR_[A-Z0-9_]+)\s*=", body, re.M):
            name = m.group(1)
            if name not in skip and name not in seen:
                seen.add(name)
                out.append((name, False))
        for m in re.finditer(r"^#\s*define\s+(VIR_[A-Z0-9_]+|LIBVIR_VERSION_NUMBER)"
                             r"\s+(\"[^\"]*\"|\(?[0-9][^\n]*)$", body, re.M):
            name = m.group(1)
            if name not in skip and name not in seen:
                seen.add(name)
                out.append((name, m.group(2).startswith('"')))
    return out, skip


def prototypes(texts, skip):
    protos = []
    for text in texts.values():
        body = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        body = re.sub(r"^\s*#(?:[^\n]*\\\n)*[^\n]*", " ", body, flags=re.M)
        body = body.replace('extern "C" {', " ")
        prev = None
        while prev != body:
            prev = body
            body = re.sub(r"\{[^{}]*\}", " ", body)
        for stmt in body.split(";"):
            stmt = " ".join(stmt.split()).lstrip("} ")
            if not stmt or stmt.startswith("typedef"):
                continue
            m = re.match(r"^[\w\s\*]+?\**\s*\b(\w+)\s*\((.*)\)$", stmt)
            if m and m.group(1) not in skip:
                protos.append(stmt + ";")
    return protos


def program(consts):
    lines = ["#include <stdio.h>", "#include <stddef.h>",
             "#include <libvirt/libvirt.h>", "#include <libvirt/libvirt-qemu.h>",
             "#include <libvirt/virterror.h>", "int main(void) {"]
    for name, is_string in consts:
        if is_string:
            lines.append('printf("%%s=%%s\\n", "%s", %s);' % (name, name))
        else:
            lines.append('printf("%%s=%%lld\\n", "%s", (long long)(%s));'
                         % (name, name))
    for struct, fields in STRUCTS.items():
        lines.append('printf("sizeof(%s)=%%zu\\n", sizeof(%s));'
                     % (struct, struct))
        for f in fields:
            lines.append('printf("offsetof(%s.%s)=%%zu\\n", offsetof(%s, %s));'
                         % (struct, f, struct, f))
    lines.append("return 0; }")
    return "\n".join(lines) + "\n"


def build_and_run(cc, incdir, source, tmp, tag):
    src = os.path.join(tmp, tag + ".c")
    exe = os.path.join(tmp, tag)
    with open(src, "w") as fh:
        fh.write(source)
    args = cc + ["-std=gnu11", "-DVIR_ENUM_SENTINELS"]
    if incdir:
        args += ["-I", incdir]
    res = subprocess.run(args + [src, "-o", exe], capture_output=True,
                         text=True)
    if res.returncode != 0:
        return None, res.stderr
    res = subprocess.run([exe], capture_output=True, text=True)
    return res.stdout, res.stderr


def main(argv):
    ours_dir, ref_dir = argv[1], argv[2]
    cc = shlex.split(os.environ.get("FLEECE_CC", "cc"))
    if not os.path.exists(os.path.join(ref_dir, "libvirt", "libvirt.h")):
        print("1..0 # SKIP libvirt's headers are not installed "
              "(scripts/install-deps installs libvirt-dev)")
        return 0
    texts = read_headers(ours_dir)
    consts, skip = constants(texts)
    protos = prototypes(texts, skip)
    failed = 0
    print("1..3")
    with tempfile.TemporaryDirectory() as tmp:
        source = program(consts)
        ours, err1 = build_and_run(cc, os.path.abspath(ours_dir), source,
                                   tmp, "ours")
        ref, err2 = build_and_run(cc, os.path.abspath(ref_dir), source,
                                  tmp, "ref")
        ok = ours is not None and ref is not None
        if ok:
            diff = sorted(set(ours.splitlines()) ^ set(ref.splitlines()))
            ok = not diff
        print("%s 1 - %d constants and %d struct layouts equal libvirt's"
              % ("ok" if ok else "not ok", len(consts), len(STRUCTS)))
        if not ok:
            failed += 1
            for line in (diff if ours and ref else
                         (err1 or err2 or "").splitlines()[:30]):
                print("# " + line)

        redecl = ("#include <libvirt/libvirt.h>\n"
                  "#include <libvirt/libvirt-qemu.h>\n"
                  "#include <libvirt/virterror.h>\n"
                  + "\n".join(protos) + "\nint main(void) { return 0; }\n")
        src = os.path.join(tmp, "protos.c")
        with open(src, "w") as fh:
            fh.write(redecl)
        res = subprocess.run(cc + ["-std=gnu11", "-Werror", "-fsyntax-only",
                                   "-I", os.path.abspath(ref_dir), src],
                             capture_output=True, text=True)
        ok = res.returncode == 0 and len(protos) > 0
        print("%s 2 - %d function prototypes match libvirt's"
              % ("ok" if ok else "not ok", len(protos)))
        if not ok:
            failed += 1
            for line in res.stderr.splitlines()[:30]:
                print("# " + line)

        expected = {"virDomainBackupEnd", "VIR_DOMAIN_BACKUP_BEGIN_QUIESCE"}
        ok = expected <= skip
        print("%s 3 - the Fleece extensions are marked as such"
              % ("ok" if ok else "not ok"))
        failed += 0 if ok else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
