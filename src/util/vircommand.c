/*
 * vircommand.c: building argument vectors and running child processes
 *
 * Between fork() and exec() the child only calls async-signal-safe
 * functions: everything it needs (argv, envp, the descriptors to keep)
 * is prepared beforehand, because the parent may be multi-threaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vircommand.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("util.command");

struct _virCommand {
    char *binary;
    GPtrArray *args;        /* char *, not counting argv[0] */
    GPtrArray *envNames;    /* char *, parallel to envValues */
    GPtrArray *envValues;
    bool clearEnv;
    GArray *passfds;        /* int */
    char *cwd;
    unsigned int timeout_ms;
    char *out;
    char *err;
};

/* What the child tells its parent through the status pipe. */
typedef enum {
    VIR_COMMAND_MSG_EXEC_FAILED,    /* value = errno of execve() */
    VIR_COMMAND_MSG_FORK_FAILED,    /* value = errno of the second fork() */
    VIR_COMMAND_MSG_PID,            /* value = PID of the detached child */
} virCommandMsgKind;

typedef struct {
    int kind;
    int value;
} virCommandMsg;

/* Everything the child needs, prepared before fork(). */
typedef struct {
    char *path;
    char **argv;
    char **envp;
    int *keep;          /* sorted descriptors to leave open (>= 3) */
    size_t nkeep;
    int *passfds;
    size_t npassfds;
    const char *cwd;
    long maxfd;
} virCommandExec;

static void
virCommandExecClear(virCommandExec *ex)
{
    g_free(ex->path);
    g_strfreev(ex->argv);
    g_strfreev(ex->envp);
    g_free(ex->keep);
    g_free(ex->passfds);
    memset(ex, 0, sizeof(*ex));
}


/* A new command running binary (a path, or a name looked up in PATH). */
virCommand *
virCommandNew(const char *binary)
{
    virCommand *cmd = g_new0(virCommand, 1);

    cmd->binary = g_strdup(binary);
    cmd->args = g_ptr_array_new_with_free_func(g_free);
    cmd->envNames = g_ptr_array_new_with_free_func(g_free);
    cmd->envValues = g_ptr_array_new_with_free_func(g_free);
    cmd->passfds = g_array_new(FALSE, FALSE, sizeof(int));
    return cmd;
}

/* A new command with a NULL-terminated list of arguments. */
virCommand *
virCommandNewArgList(const char *binary, ...)
{
    virCommand *cmd = virCommandNew(binary);
    const char *arg;
    va_list ap;

    va_start(ap, binary);
    while ((arg = va_arg(ap, const char *)))
        virCommandAddArg(cmd, arg);
    va_end(ap);
    return cmd;
}

void
virCommandFree(virCommand *cmd)
{
    if (!cmd)
        return;
    g_free(cmd->binary);
    g_ptr_array_unref(cmd->args);
    g_ptr_array_unref(cmd->envNames);
    g_ptr_array_unref(cmd->envValues);
    g_array_unref(cmd->passfds);
    g_free(cmd->cwd);
    g_free(cmd->out);
    g_free(cmd->err);
    g_free(cmd);
}

void
virCommandAddArg(virCommand *cmd, const char *arg)
{
    g_ptr_array_add(cmd->args, g_strdup(arg));
}

void
virCommandAddArgFormat(virCommand *cmd, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(cmd->args, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Add an option and its value as two arguments. */
void
virCommandAddArgPair(virCommand *cmd, const char *name, const char *value)
{
    virCommandAddArg(cmd, name);
    virCommandAddArg(cmd, value);
}

void
virCommandAddArgList(virCommand *cmd, ...)
{
    const char *arg;
    va_list ap;

    va_start(ap, cmd);
    while ((arg = va_arg(ap, const char *)))
        virCommandAddArg(cmd, arg);
    va_end(ap);
}

/* Add every string of a NULL-terminated array. */
void
virCommandAddArgSet(virCommand *cmd, const char *const *args)
{
    size_t i;

    for (i = 0; args && args[i]; i++)
        virCommandAddArg(cmd, args[i]);
}

void
virCommandAddEnvPair(virCommand *cmd, const char *name, const char *value)
{
    g_ptr_array_add(cmd->envNames, g_strdup(name));
    g_ptr_array_add(cmd->envValues, g_strdup(value));
}

void
virCommandClearEnv(virCommand *cmd)
{
    cmd->clearEnv = true;
}

void
virCommandPassFD(virCommand *cmd, int fd)
{
    g_array_append_val(cmd->passfds, fd);
}

void
virCommandSetWorkingDirectory(virCommand *cmd, const char *dir)
{
    g_free(cmd->cwd);
    cmd->cwd = g_strdup(dir);
}

void
virCommandSetTimeout(virCommand *cmd, unsigned int timeout_ms)
{
    cmd->timeout_ms = timeout_ms;
}

const char *
virCommandGetStdout(virCommand *cmd)
{
    return cmd->out ? cmd->out : "";
}

const char *
virCommandGetStderr(virCommand *cmd)
{
    return cmd->err ? cmd->err : "";
}


/* A word needs no quoting when it only has these characters. */
static bool
virCommandWordIsPlain(const char *word)
{
    const char *p;

    if (!*word)
        return false;
    for (p = word; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("_@%+=:,./-", *p))
            return false;
    }
    return true;
}

/* Quote one word for a POSIX shell: single quotes, with each embedded
 * quote written as '\''. */
char *
virCommandShellQuote(const char *word)
{
    GString *str;
    const char *p;

    if (virCommandWordIsPlain(word))
        return g_strdup(word);
    str = g_string_new("'");
    for (p = word; *p; p++) {
        if (*p == '\'')
            g_string_append(str, "'\\''");
        else
            g_string_append_c(str, *p);
    }
    g_string_append_c(str, '\'');
    return g_string_free(str, FALSE);
}

/* The command as shell text; with LINEBREAKS, each environment pair and
 * each option starts a line, ending with a newline, as golden files do. */
char *
virCommandToString(virCommand *cmd, unsigned int flags)
{
    bool lines = flags & VIR_COMMAND_STRING_LINEBREAKS;
    const char *sep = lines ? " \\\n" : " ";
    GString *str = g_string_new(NULL);
    g_autofree char *bin = virCommandShellQuote(cmd->binary);
    size_t i;

    if (!(flags & VIR_COMMAND_STRING_NO_ENV)) {
        for (i = 0; i < cmd->envNames->len; i++) {
            g_autofree char *val =
                virCommandShellQuote(g_ptr_array_index(cmd->envValues, i));

            g_string_append_printf(str, "%s=%s%s",
                                   (char *)g_ptr_array_index(cmd->envNames, i),
                                   val, sep);
        }
    }
    g_string_append(str, bin);
    for (i = 0; i < cmd->args->len; i++) {
        const char *arg = g_ptr_array_index(cmd->args, i);
        g_autofree char *quoted = virCommandShellQuote(arg);

        g_string_append(str, lines && arg[0] == '-' ? sep : " ");
        g_string_append(str, quoted);
    }
    if (lines)
        g_string_append_c(str, '\n');
    return g_string_free(str, FALSE);
}


/* Move fd to a number >= 3 (so dup2 onto 0-2 in the child never clobbers
 * it), close-on-exec.  Returns the new descriptor or -1. */
static int
virCommandFDAbove2(int fd)
{
    int nfd;

    if (fd < 0 || fd > 2)
        return fd;
    nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    close(fd);
    return nfd;
}

static int
virCommandPipe(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0) {
        virReportSystemError(errno, "%s", _("cannot create pipe"));
        return -1;
    }
    fds[0] = virCommandFDAbove2(fds[0]);
    fds[1] = virCommandFDAbove2(fds[1]);
    if (fds[0] < 0 || fds[1] < 0) {
        virReportSystemError(errno, "%s", _("cannot create pipe"));
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        return -1;
    }
    return 0;
}

static int
virCommandOpen(const char *path, int oflags, mode_t mode)
{
    int fd = virCommandFDAbove2(open(path, oflags | O_CLOEXEC, mode));

    if (fd < 0)
        virReportSystemError(errno, _("cannot open '%s'"), path);
    return fd;
}

static int
virCommandIntCompare(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;

    return x < y ? -1 : x > y;
}

/* Resolve the binary and build argv, envp and the sorted list of
 * descriptors the child keeps (passed fds plus statusfd). */
static int
virCommandExecPrepare(virCommand *cmd, int statusfd, virCommandExec *ex)
{
    size_t i;

    memset(ex, 0, sizeof(*ex));
    if (strchr(cmd->binary, '/')) {
        ex->path = g_strdup(cmd->binary);
    } else if (!(ex->path = g_find_program_in_path(cmd->binary))) {
        virReportSystemError(ENOENT, _("cannot find executable '%s'"),
                             cmd->binary);
        return -1;
    }

    ex->argv = g_new0(char *, cmd->args->len + 2);
    ex->argv[0] = g_strdup(cmd->binary);
    for (i = 0; i < cmd->args->len; i++)
        ex->argv[i + 1] = g_strdup(g_ptr_array_index(cmd->args, i));

    ex->envp = cmd->clearEnv ? g_new0(char *, 1) : g_get_environ();
    for (i = 0; i < cmd->envNames->len; i++)
        ex->envp = g_environ_setenv(ex->envp,
                                    g_ptr_array_index(cmd->envNames, i),
                                    g_ptr_array_index(cmd->envValues, i),
                                    TRUE);

    ex->npassfds = cmd->passfds->len;
    ex->passfds = g_new0(int, ex->npassfds + 1);
    ex->keep = g_new0(int, ex->npassfds + 1);
    for (i = 0; i < ex->npassfds; i++) {
        ex->passfds[i] = g_array_index(cmd->passfds, int, i);
        if (ex->passfds[i] > 2)
            ex->keep[ex->nkeep++] = ex->passfds[i];
    }
    if (statusfd > 2)
        ex->keep[ex->nkeep++] = statusfd;
    qsort(ex->keep, ex->nkeep, sizeof(int), virCommandIntCompare);
    ex->cwd = cmd->cwd;
    ex->maxfd = sysconf(_SC_OPEN_MAX);
    if (ex->maxfd < 0 || ex->maxfd > 65536)
        ex->maxfd = 65536;
    return 0;
}

/* Close descriptors from lo to hi inclusive (child side). */
static void
virCommandCloseRange(unsigned int lo, unsigned int hi, long maxfd)
{
    unsigned int fd;

    if (lo > hi)
        return;
    if (close_range(lo, hi, 0) == 0)
        return;
    for (fd = lo; fd <= hi && fd < maxfd; fd++)
        close(fd);
}

static void
virCommandChildSend(int statusfd, int kind, int value)
{
    virCommandMsg msg = { .kind = kind, .value = value };

    if (statusfd >= 0 && write(statusfd, &msg, sizeof(msg)) < 0)
        return;
}

/* In the child: set up 0-2, signals, descriptors and directory, then
 * exec.  Only async-signal-safe calls.  Never returns. */
static void G_GNUC_NORETURN
virCommandChildExec(virCommandExec *ex, int infd, int outfd, int errfd,
                    int statusfd)
{
    struct sigaction sa;
    sigset_t set;
    unsigned int lo = 3;
    size_t i;
    int sig;

    if (dup2(infd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(errfd, 2) < 0) {
        virCommandChildSend(statusfd, VIR_COMMAND_MSG_EXEC_FAILED, errno);
        _exit(127);
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (sig = 1; sig < NSIG; sig++)
        sigaction(sig, &sa, NULL);
    sigemptyset(&set);
    sigprocmask(SIG_SETMASK, &set, NULL);

    for (i = 0; i < ex->npassfds; i++)
        fcntl(ex->passfds[i], F_SETFD, 0);
    for (i = 0; i < ex->nkeep; i++) {
        if (ex->keep[i] > (int)lo)
            virCommandCloseRange(lo, ex->keep[i] - 1, ex->maxfd);
        if (ex->keep[i] >= (int)lo)
            lo = ex->keep[i] + 1;
    }
    virCommandCloseRange(lo, ~0U, ex->maxfd);

    if (ex->cwd && chdir(ex->cwd) < 0) {
        virCommandChildSend(statusfd, VIR_COMMAND_MSG_EXEC_FAILED, errno);
        _exit(127);
    }
    execve(ex->path, ex->argv, ex->envp);
    virCommandChildSend(statusfd, VIR_COMMAND_MSG_EXEC_FAILED, errno);
    _exit(127);
}

/* Read status messages until EOF; fills pid / exec errno when seen. */
static void
virCommandReadStatus(int fd, pid_t *pid, int *execerr, int *forkerr)
{
    virCommandMsg msg;
    ssize_t n;

    for (;;) {
        n = read(fd, &msg, sizeof(msg));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != sizeof(msg))
            return;
        if (msg.kind == VIR_COMMAND_MSG_PID && pid)
            *pid = msg.value;
        else if (msg.kind == VIR_COMMAND_MSG_EXEC_FAILED)
            *execerr = msg.value;
        else if (msg.kind == VIR_COMMAND_MSG_FORK_FAILED)
            *forkerr = msg.value;
    }
}

static pid_t
virCommandWaitPid(pid_t pid, int *status)
{
    pid_t ret;

    while ((ret = waitpid(pid, status, 0)) < 0 && errno == EINTR)
        ;
    return ret;
}

/* Append what is readable on *fd to buf; closes *fd (sets -1) at EOF. */
static void
virCommandDrain(int *fd, GString *buf)
{
    char chunk[4096];
    ssize_t n = read(*fd, chunk, sizeof(chunk));

    if (n > 0) {
        g_string_append_len(buf, chunk, n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

/* Collect stdout and stderr until both close or the deadline passes
 * (deadline 0 = none).  Returns false on timeout. */
static bool
virCommandCollect(int *outfd, int *errfd, GString *out, GString *err,
                  gint64 deadline)
{
    while (*outfd >= 0 || *errfd >= 0) {
        struct pollfd pfd[2];
        int timeout = -1;
        int n = 0;
        size_t i;

        if (deadline) {
            gint64 left = deadline - g_get_monotonic_time();

            if (left <= 0)
                return false;
            timeout = (left + 999) / 1000;
        }
        if (*outfd >= 0)
            pfd[n++] = (struct pollfd) { .fd = *outfd, .events = POLLIN };
        if (*errfd >= 0)
            pfd[n++] = (struct pollfd) { .fd = *errfd, .events = POLLIN };
        if (poll(pfd, n, timeout) < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        for (i = 0; i < n; i++) {
            if (!pfd[i].revents)
                continue;
            if (pfd[i].fd == *outfd)
                virCommandDrain(outfd, out);
            else
                virCommandDrain(errfd, err);
        }
    }
    return true;
}

static void
virCommandCloseFD(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Run synchronously: see vircommand.h. */
int
virCommandRun(virCommand *cmd, int *exitstatus)
{
    virCommandExec ex = { 0 };
    int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, statp[2] = { -1, -1 };
    int nullfd = -1;
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) err = g_string_new(NULL);
    g_autofree char *str = virCommandToString(cmd, 0);
    gint64 deadline = 0;
    bool finished;
    int execerr = 0, forkerr = 0;
    int status = 0;
    pid_t pid;
    int ret = -1;

    g_clear_pointer(&cmd->out, g_free);
    g_clear_pointer(&cmd->err, g_free);
    VIR_DEBUG("running %s", str);

    if ((nullfd = virCommandOpen("/dev/null", O_RDONLY, 0)) < 0 ||
        virCommandPipe(outp) < 0 || virCommandPipe(errp) < 0 ||
        virCommandPipe(statp) < 0 ||
        virCommandExecPrepare(cmd, statp[1], &ex) < 0)
        goto cleanup;

    if ((pid = fork()) < 0) {
        virReportSystemError(errno, _("cannot fork child for '%s'"),
                             cmd->binary);
        goto cleanup;
    }
    if (pid == 0)
        virCommandChildExec(&ex, nullfd, outp[1], errp[1], statp[1]);

    virCommandCloseFD(&outp[1]);
    virCommandCloseFD(&errp[1]);
    virCommandCloseFD(&statp[1]);
    if (cmd->timeout_ms)
        deadline = g_get_monotonic_time() + cmd->timeout_ms * (gint64)1000;
    finished = virCommandCollect(&outp[0], &errp[0], out, err, deadline);
    if (!finished)
        kill(pid, SIGKILL);
    virCommandWaitPid(pid, &status);
    virCommandReadStatus(statp[0], NULL, &execerr, &forkerr);

    cmd->out = g_strdup(out->str);
    cmd->err = g_strdup(err->str);
    if (execerr) {
        virReportSystemError(execerr, _("cannot execute '%s'"), ex.path);
        goto cleanup;
    }
    if (!finished) {
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("command '%s' did not finish within %u ms"),
                       str, cmd->timeout_ms);
        goto cleanup;
    }
    if (WIFSIGNALED(status)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("command '%s' was killed by signal %d"),
                       str, WTERMSIG(status));
        goto cleanup;
    }
    if (exitstatus) {
        *exitstatus = WEXITSTATUS(status);
    } else if (WEXITSTATUS(status) != 0) {
        g_autofree char *msg = g_strstrip(g_strdup(*err->str ? err->str
                                                                : out->str));

        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("command '%s' exited with status %d: %s"),
                       str, WEXITSTATUS(status), msg);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    virCommandCloseFD(&nullfd);
    virCommandCloseFD(&outp[0]);
    virCommandCloseFD(&outp[1]);
    virCommandCloseFD(&errp[0]);
    virCommandCloseFD(&errp[1]);
    virCommandCloseFD(&statp[0]);
    virCommandCloseFD(&statp[1]);
    virCommandExecClear(&ex);
    return ret;
}

/* Spawn detached: see vircommand.h.  The intermediate child starts a new
 * session and forks the real child, whose PID it sends back through a
 * pipe before exiting; the pipe reaches EOF only once the real child has
 * exec'd (close-on-exec) or failed, so the PID returned is the program's. */
int
virCommandRunDetached(virCommand *cmd, const char *logfile, pid_t *pid)
{
    virCommandExec ex = { 0 };
    int statp[2] = { -1, -1 };
    int nullfd = -1, logfd = -1;
    g_autofree char *str = virCommandToString(cmd, 0);
    int execerr = 0, forkerr = 0;
    pid_t child = -1, grandchild = -1;
    int status = 0;
    int ret = -1;

    VIR_DEBUG("spawning %s, log '%s'", str, logfile);
    if ((nullfd = virCommandOpen("/dev/null", O_RDONLY, 0)) < 0 ||
        (logfd = virCommandOpen(logfile, O_WRONLY | O_CREAT | O_APPEND,
                                0600)) < 0 ||
        virCommandPipe(statp) < 0 ||
        virCommandExecPrepare(cmd, statp[1], &ex) < 0)
        goto cleanup;

    if ((child = fork()) < 0) {
        virReportSystemError(errno, _("cannot fork child for '%s'"),
                             cmd->binary);
        goto cleanup;
    }
    if (child == 0) {
        pid_t gc;

        setsid();
        if ((gc = fork()) < 0) {
            virCommandChildSend(statp[1], VIR_COMMAND_MSG_FORK_FAILED, errno);
            _exit(1);
        }
        if (gc == 0)
            virCommandChildExec(&ex, nullfd, logfd, logfd, statp[1]);
        virCommandChildSend(statp[1], VIR_COMMAND_MSG_PID, gc);
        _exit(0);
    }

    virCommandCloseFD(&statp[1]);
    virCommandWaitPid(child, &status);
    virCommandReadStatus(statp[0], &grandchild, &execerr, &forkerr);
    if (forkerr) {
        virReportSystemError(forkerr, _("cannot fork child for '%s'"),
                             cmd->binary);
        goto cleanup;
    }
    if (execerr) {
        virReportSystemError(execerr, _("cannot execute '%s'"), ex.path);
        goto cleanup;
    }
    if (grandchild <= 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("no process ID received for '%s'"), cmd->binary);
        goto cleanup;
    }
    VIR_DEBUG("spawned pid %lld", (long long)grandchild);
    *pid = grandchild;
    ret = 0;

 cleanup:
    virCommandCloseFD(&nullfd);
    virCommandCloseFD(&logfd);
    virCommandCloseFD(&statp[0]);
    virCommandCloseFD(&statp[1]);
    virCommandExecClear(&ex);
    return ret;
}
