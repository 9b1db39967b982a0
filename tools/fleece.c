/*
 * fleece.c: the command-line tool (virsh's commands for checkpoints and
 * backups).  Until the driver lands it knows only its version and help.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include <libvirt/virterror.h>

#define FLEECE_VERSION "0.1.0"

static void
cmdUsage(FILE *out)
{
    fprintf(out,
            "Usage: fleece [-c URI] [-q] [-r] COMMAND [ARGS...]\n"
            "       fleece --version\n"
            "\n"
            "Checkpoints and incremental backups of QEMU/KVM domains,\n"
            "with virsh's command names.  Run 'fleece help' for commands.\n");
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        cmdUsage(stderr);
        return 1;
    }
    if (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("%s\n", FLEECE_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        cmdUsage(stdout);
        return 0;
    }
    fprintf(stderr, "error: unknown command: '%s'\n", argv[1]);
    return 1;
}
