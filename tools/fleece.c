/*
 * fleece.c: the command-line tool — virsh's commands for domains,
 * checkpoints, backups and jobs, on the embedded QEMU driver
 *
 *   fleece [-c URI] [-q] [-r] COMMAND [ARGS...] [; COMMAND ...]
 *   fleece [-c URI] [-q] [-r] "COMMAND ARGS; COMMAND ARGS"
 *   fleece [-c URI]                     (interactive prompt)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleece-shell.h"

static void
fleeceUsage(FILE *out)
{
    fprintf(out, "%s",
            _("Usage: fleece [OPTIONS] [COMMAND [ARGS...]] [; COMMAND ...]\n"
              "\n"
              "  -c, --connect URI   connection URI (default: qemu:///embed, whose\n"
              "                      root is $FLEECE_ROOT, else /var/lib/fleece for\n"
              "                      root or $XDG_DATA_HOME/fleece)\n"
              "  -q, --quiet         only the results, no informational messages\n"
              "  -r, --readonly      open the connection read-only\n"
              "  -v, --version       print the version\n"
              "  -h, --help          this help\n"
              "\n"
              "Without a command, commands are read from standard input, one\n"
              "line each.  'fleece help' lists the commands, 'fleece help\n"
              "COMMAND' describes one.\n"));
}

/* Read commands line by line until end of input or "quit". */
static int
fleeceInteractive(fleeceControl *ctl)
{
    bool tty = isatty(STDIN_FILENO);
    g_autofree char *line = NULL;
    size_t cap = 0;
    int ret = 0;

    ctl->interactive = true;
    if (tty && !ctl->quiet)
        printf(_("Welcome to fleece, checkpoints and backups of QEMU domains.\n"
                 "Type 'help' for the commands, 'quit' to leave.\n\n"));
    while (!ctl->quit) {
        ssize_t len;

        if (tty) {
            printf("fleece %c ", geteuid() == 0 ? '#' : '$');
            fflush(stdout);
        }
        if ((len = getline(&line, &cap, stdin)) < 0)
            break;
        if (len > 0 && line[len - 1] == '\n')
            line[len - 1] = '\0';
        if (!*g_strstrip(line))
            continue;
        ret = fleeceRunString(ctl, line);
    }
    if (tty && !ctl->quit)
        printf("\n");
    return ret;
}

int
main(int argc, char **argv)
{
    fleeceControl ctl = { 0 };
    int ret;
    int i;

    setlocale(LC_ALL, "");
    ctl.uri = g_strdup(g_getenv("FLEECE_DEFAULT_URI"));
    if (!ctl.uri || !*ctl.uri) {
        g_free(ctl.uri);
        ctl.uri = g_strdup(FLEECE_DEFAULT_URI);
    }

    for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
        const char *a = argv[i];

        if (g_str_equal(a, "--")) {
            i++;
            break;
        }
        if (g_str_equal(a, "-c") || g_str_equal(a, "--connect")) {
            if (i + 1 >= argc) {
                fleeceError(_("option '%s' needs a URI"), a);
                return 1;
            }
            g_free(ctl.uri);
            ctl.uri = g_strdup(argv[++i]);
        } else if (g_str_has_prefix(a, "--connect=")) {
            g_free(ctl.uri);
            ctl.uri = g_strdup(a + strlen("--connect="));
        } else if (g_str_equal(a, "-q") || g_str_equal(a, "--quiet")) {
            ctl.quiet = true;
        } else if (g_str_equal(a, "-r") || g_str_equal(a, "--readonly")) {
            ctl.readonly = true;
        } else if (g_str_equal(a, "-v") || g_str_equal(a, "--version")) {
            printf("%s\n", FLEECE_VERSION);
            g_free(ctl.uri);
            return 0;
        } else if (g_str_equal(a, "-h") || g_str_equal(a, "--help")) {
            fleeceUsage(stdout);
            g_free(ctl.uri);
            return 0;
        } else {
            fleeceError(_("unknown option '%s'; see 'fleece --help'"), a);
            g_free(ctl.uri);
            return 1;
        }
    }

    if (virInitialize() < 0 || virEventRegisterDefaultImpl() < 0) {
        fleeceReportError();
        g_free(ctl.uri);
        return 1;
    }

    if (i >= argc)
        ret = fleeceInteractive(&ctl);
    else if (argc - i == 1)
        ret = fleeceRunString(&ctl, argv[i]);
    else
        ret = fleeceRunWords(&ctl, argv + i, argc - i);

    if (ctl.conn)
        virConnectClose(ctl.conn);
    g_free(ctl.uri);
    return ret;
}
