/*
 * vircommand.h: building argument vectors and running child processes
 *
 * A virCommand collects a binary, its arguments, environment changes and
 * file descriptors to hand over.  It then either runs synchronously
 * (output captured, optional timeout) or is spawned detached, so that the
 * child outlives the caller (QEMU started by the embedded driver).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct _virCommand virCommand;

virCommand *virCommandNew(const char *binary);
virCommand *virCommandNewArgList(const char *binary, ...)
    G_GNUC_NULL_TERMINATED;
void virCommandFree(virCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virCommand, virCommandFree);

void virCommandAddArg(virCommand *cmd, const char *arg);
void virCommandAddArgFormat(virCommand *cmd, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
void virCommandAddArgPair(virCommand *cmd, const char *name,
                          const char *value);
void virCommandAddArgList(virCommand *cmd, ...) G_GNUC_NULL_TERMINATED;
void virCommandAddArgSet(virCommand *cmd, const char *const *args);

/* Set NAME=VALUE in the child's environment (inherited unless cleared). */
void virCommandAddEnvPair(virCommand *cmd, const char *name,
                          const char *value);
/* Start the child from an empty environment plus the pairs added. */
void virCommandClearEnv(virCommand *cmd);

/* Keep fd open (same number) in the child; every other descriptor but
 * 0-2 is closed.  The caller keeps ownership of fd. */
void virCommandPassFD(virCommand *cmd, int fd);

void virCommandSetWorkingDirectory(virCommand *cmd, const char *dir);
/* Kill a synchronous run that takes longer than timeout_ms (0 = never). */
void virCommandSetTimeout(virCommand *cmd, unsigned int timeout_ms);

/* Run and wait, stdin /dev/null, stdout and stderr captured (see the
 * getters).
 * With exitstatus NULL, a non-zero exit is an error quoting stderr;
 * otherwise the exit code is stored and 0 returned.  Death by a signal,
 * a timeout or a failure to start are always errors. */
int virCommandRun(virCommand *cmd, int *exitstatus);
const char *virCommandGetStdout(virCommand *cmd);
const char *virCommandGetStderr(virCommand *cmd);

/* Start the command detached: new session, reparented to init, stdin
 * /dev/null, stdout and stderr appended to logfile (created 0600 if
 * missing).  Returns once the program has been exec'd, with its PID. */
int virCommandRunDetached(virCommand *cmd, const char *logfile, pid_t *pid);

typedef enum {
    /* Each option (an argument starting with '-') on a new line, with
     * " \" continuations, as in argv golden files. */
    VIR_COMMAND_STRING_LINEBREAKS = 1 << 0,
    /* Leave out the environment pairs. */
    VIR_COMMAND_STRING_NO_ENV = 1 << 1,
} virCommandStringFlags;

/* Shell-quoted text of the command, for logs and golden files. */
char *virCommandToString(virCommand *cmd, unsigned int flags);
/* Quote one word for a POSIX shell when it needs it. */
char *virCommandShellQuote(const char *word);
