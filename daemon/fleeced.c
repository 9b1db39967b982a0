/*
 * fleeced: Fleece's daemon — libvirt's remote protocol in front of the
 * QEMU driver on one state root, so that unmodified libvirt clients
 * (virsh, libvirt-python, virtnbdbackup) drive Fleece.
 *
 *   fleeced [--root DIR] [--daemon] [--pidfile FILE]
 *           [--listen-tls ADDR:PORT] [--tls-dir DIR] [--verbose]
 *
 * Sockets: ROOT/run/libvirt-sock (0600, read-write) and
 * ROOT/run/libvirt-sock-ro (0666, read-only connections).  Log:
 * ROOT/log/fleeced.log.  SIGTERM or SIGINT stop it cleanly: domains and
 * their backup jobs keep running in QEMU for the next daemon.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "libvirt/libvirt.h"
#include "qemu_driver.h"
#include "remote_daemon_dispatch.h"
#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virnetserver.h"
#include "virnettls.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("daemon");

#define FLEECED_DEFAULT_ROOT "/var/lib/fleece"
#define FLEECED_DEFAULT_TLS_DIR "/etc/pki/libvirt"
#define FLEECED_DEFAULT_CA "/etc/pki/CA/cacert.pem"
#define FLEECED_DEFAULT_TLS_PORT "16514"

/* Limits of the server (libvirtd's defaults are of this order). */
#define FLEECED_MAX_CLIENTS 120
#define FLEECED_MAX_WORKERS 20
#define FLEECED_MAX_CLIENT_REQUESTS 5
#define FLEECED_MAX_QUEUE_BYTES (64 * 1024 * 1024)

typedef struct {
    char *root;
    bool daemonize;
    char *pidfile;
    char *listenTLS;
    char *tlsDir;
    bool verbose;
} fleecedOptions;

static virNetServer *fleecedServer;
static volatile sig_atomic_t fleecedEventQuit;
static volatile sig_atomic_t fleecedQuitEarly;   /* a signal before the server ran */

static void
fleecedUsage(FILE *out)
{
    fprintf(out,
            _("Usage: fleeced [OPTION...]\n"
              "\n"
              "Serve libvirt's remote protocol for the Fleece QEMU driver.\n"
              "\n"
              "  --root DIR              state root (default %s)\n"
              "  --daemon                detach and run in the background\n"
              "  --pidfile FILE          write the daemon's PID to FILE\n"
              "  --listen-tls ADDR:PORT  also accept TLS clients (x509, client\n"
              "                          certificates required); PORT defaults to %s\n"
              "  --tls-dir DIR           where servercert.pem, serverkey.pem and\n"
              "                          cacert.pem are (default: libvirt's paths)\n"
              "  --verbose               log debug messages\n"
              "  --help, --version\n"),
            FLEECED_DEFAULT_ROOT, FLEECED_DEFAULT_TLS_PORT);
}

static int
fleecedParseArgs(int argc, char **argv, fleecedOptions *opts)
{
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        char **target = NULL;

        if (g_str_equal(a, "--daemon") || g_str_equal(a, "-d")) {
            opts->daemonize = true;
            continue;
        }
        if (g_str_equal(a, "--verbose") || g_str_equal(a, "-v")) {
            opts->verbose = true;
            continue;
        }
        if (g_str_equal(a, "--help") || g_str_equal(a, "-h")) {
            fleecedUsage(stdout);
            exit(EXIT_SUCCESS);
        }
        if (g_str_equal(a, "--version") || g_str_equal(a, "-V")) {
            printf("fleeced %s\n", FLEECE_VERSION);
            exit(EXIT_SUCCESS);
        }
        if (g_str_has_prefix(a, "--root"))
            target = &opts->root;
        else if (g_str_has_prefix(a, "--pidfile"))
            target = &opts->pidfile;
        else if (g_str_has_prefix(a, "--listen-tls"))
            target = &opts->listenTLS;
        else if (g_str_has_prefix(a, "--tls-dir"))
            target = &opts->tlsDir;
        if (!target) {
            fprintf(stderr, _("fleeced: unknown option '%s'\n"), a);
            fleecedUsage(stderr);
            return -1;
        }
        g_free(*target);
        if (strchr(a, '=')) {
            *target = g_strdup(strchr(a, '=') + 1);
        } else if (i + 1 < argc) {
            *target = g_strdup(argv[++i]);
        } else {
            fprintf(stderr, _("fleeced: option '%s' needs a value\n"), a);
            return -1;
        }
        if (!**target) {
            fprintf(stderr, _("fleeced: option '%s' needs a value\n"), a);
            return -1;
        }
    }
    if (!opts->root)
        opts->root = g_strdup(FLEECED_DEFAULT_ROOT);
    if (!g_path_is_absolute(opts->root)) {
        g_autofree char *cwd = g_get_current_dir();
        g_autofree char *rel = opts->root;

        opts->root = g_build_filename(cwd, rel, NULL);
    }
    return 0;
}

static void
fleecedSignal(int sig G_GNUC_UNUSED)
{
    if (fleecedServer)
        virNetServerQuit(fleecedServer);
    else
        fleecedQuitEarly = 1;
}

static gpointer
fleecedEventLoop(gpointer opaque G_GNUC_UNUSED)
{
    while (!fleecedEventQuit) {
        if (virEventRunDefaultImpl() < 0) {
            VIR_ERROR("event loop: %s", virGetLastErrorMessage());
            break;
        }
    }
    return NULL;
}

static void
fleecedEventWakeup(int timer, void *opaque G_GNUC_UNUSED)
{
    virEventRemoveTimeout(timer);
}

/* Take ROOT/run/fleeced.lock: one daemon per root. */
static int
fleecedLockRoot(const char *runDir)
{
    g_autofree char *path = g_build_filename(runDir, "fleeced.lock", NULL);
    int fd;

    if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        fprintf(stderr, _("fleeced: cannot open '%s': %s\n"), path, g_strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        fprintf(stderr, _("fleeced: another fleeced serves this root (%s is locked)\n"),
                path);
        close(fd);
        return -1;
    }
    return fd;   /* held until exit */
}

/* Fork into the background; the parent exits when the child reports it
 * is ready (sockets listening) or failed. */
static int
fleecedDaemonize(int *readyfd)
{
    int pipefd[2];
    pid_t pid;

    if (pipe(pipefd) < 0)
        return -1;
    if ((pid = fork()) < 0)
        return -1;
    if (pid > 0) {
        char status = 1;

        close(pipefd[1]);
        if (read(pipefd[0], &status, 1) != 1)
            status = 1;
        _exit(status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
    }
    close(pipefd[0]);
    if (setsid() < 0)
        return -1;
    if ((pid = fork()) < 0)
        return -1;
    if (pid > 0)
        _exit(EXIT_SUCCESS);
    *readyfd = pipefd[1];
    return 0;
}

static void
fleecedReport(int readyfd, char status)
{
    if (readyfd < 0)
        return;
    ignore_value(write(readyfd, &status, 1));
    close(readyfd);
}

static void
fleecedDetachStdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return;
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO)
        close(fd);
}

static int
fleecedWritePidfile(const char *path)
{
    g_autofree char *content = g_strdup_printf("%lld\n", (long long) getpid());

    if (virFileRewriteStr(path, 0644, content) < 0) {
        fprintf(stderr, _("fleeced: %s\n"), virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

static virNetTLSContext *
fleecedTLSContext(const char *dir)
{
    g_autofree char *ca = NULL;
    g_autofree char *crl = NULL;
    g_autofree char *cert = NULL;
    g_autofree char *key = NULL;

    if (dir) {
        ca = virNetTLSPKIFile(dir, "cacert.pem");
        crl = virNetTLSPKIFile(dir, "cacrl.pem");
        cert = virNetTLSPKIFile(dir, "servercert.pem");
        key = virNetTLSPKIFile(dir, "serverkey.pem");
    } else {
        ca = g_strdup(FLEECED_DEFAULT_CA);
        crl = g_strdup("/etc/pki/CA/cacrl.pem");
        cert = g_strdup(FLEECED_DEFAULT_TLS_DIR "/servercert.pem");
        key = g_strdup(FLEECED_DEFAULT_TLS_DIR "/private/serverkey.pem");
    }
    return virNetTLSContextNewServer(ca, crl, cert, key);
}

/* ADDR:PORT, [ADDR]:PORT, ADDR or :PORT. */
static int
fleecedSplitListen(const char *spec, char **addr, char **port)
{
    const char *colon;

    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');

        if (!end)
            return -1;
        *addr = g_strndup(spec + 1, end - spec - 1);
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strrchr(spec, ':');
        *addr = colon ? g_strndup(spec, colon - spec) : g_strdup(spec);
    }
    *port = g_strdup(colon && colon[1] ? colon + 1 : FLEECED_DEFAULT_TLS_PORT);
    return 0;
}

static int
fleecedAddServices(virNetServer *srv, const fleecedOptions *opts,
                   const char *runDir, virNetTLSContext **tls)
{
    g_autofree char *rwPath = g_build_filename(runDir, "libvirt-sock", NULL);
    g_autofree char *roPath = g_build_filename(runDir, "libvirt-sock-ro", NULL);
    virNetSocket *sock;

    if (!(sock = virNetSocketNewListenUNIX(rwPath, 0600)))
        return -1;
    virNetServerAddService(srv, sock, false, NULL);
    if (!(sock = virNetSocketNewListenUNIX(roPath, 0666)))
        return -1;
    virNetServerAddService(srv, sock, true, NULL);

    if (opts->listenTLS) {
        g_autofree char *addr = NULL;
        g_autofree char *port = NULL;

        if (fleecedSplitListen(opts->listenTLS, &addr, &port) < 0) {
            virReportError(VIR_ERR_INVALID_ARG, _("cannot parse '%s' as ADDR:PORT"),
                           opts->listenTLS);
            return -1;
        }
        if (!(*tls = fleecedTLSContext(opts->tlsDir)))
            return -1;
        if (!(sock = virNetSocketNewListenTCP(addr, port)))
            return -1;
        VIR_INFO("listening for TLS clients on %s:%d", addr, virNetSocketGetPort(sock));
        virNetServerAddService(srv, sock, false, *tls);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    fleecedOptions opts = { 0 };
    g_autofree char *runDir = NULL;
    g_autofree char *logDir = NULL;
    g_autofree char *logPath = NULL;
    virNetServerConfig config = {
        .maxClients = FLEECED_MAX_CLIENTS,
        .maxWorkers = FLEECED_MAX_WORKERS,
        .maxClientRequests = FLEECED_MAX_CLIENT_REQUESTS,
        .maxQueueBytes = FLEECED_MAX_QUEUE_BYTES,
    };
    virNetTLSContext *tls = NULL;
    remoteDaemon *daemon = NULL;
    GThread *loop = NULL;
    struct sigaction sa;
    int readyfd = -1;
    int lockfd;
    int ret = EXIT_FAILURE;

    /* few arenas: the daemon's threads allocate little, and RSS matters */
    mallopt(M_ARENA_MAX, 2);

    if (fleecedParseArgs(argc, argv, &opts) < 0)
        return EXIT_FAILURE;
    runDir = g_build_filename(opts.root, "run", NULL);
    logDir = g_build_filename(opts.root, "log", NULL);
    logPath = g_build_filename(logDir, "fleeced.log", NULL);
    if (g_mkdir_with_parents(opts.root, 0700) < 0 ||
        g_mkdir_with_parents(runDir, 0700) < 0 ||
        g_mkdir_with_parents(logDir, 0700) < 0) {
        fprintf(stderr, _("fleeced: cannot create the state root '%s': %s\n"),
                opts.root, g_strerror(errno));
        return EXIT_FAILURE;
    }
    if ((lockfd = fleecedLockRoot(runDir)) < 0)
        return EXIT_FAILURE;
    if (virLogSetOutputFile(opts.verbose ? VIR_LOG_DEBUG : VIR_LOG_INFO, logPath) < 0) {
        fprintf(stderr, _("fleeced: cannot open the log '%s': %s\n"), logPath,
                g_strerror(errno));
        return EXIT_FAILURE;
    }
    if (opts.daemonize && fleecedDaemonize(&readyfd) < 0) {
        fprintf(stderr, _("fleeced: cannot detach: %s\n"), g_strerror(errno));
        return EXIT_FAILURE;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = fleecedSignal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    if (virInitialize() < 0 || qemuRegister() < 0 ||
        virEventRegisterDefaultImpl() < 0)
        goto cleanup;
    loop = g_thread_new("fleeced-events", fleecedEventLoop, NULL);

    if (!(daemon = remoteDaemonNew(opts.root)))
        goto cleanup;
    remoteDaemonSetupServer(daemon, &config);
    if (!(fleecedServer = virNetServerNew(&config)))
        goto cleanup;
    if (fleecedAddServices(fleecedServer, &opts, runDir, &tls) < 0)
        goto cleanup;
    if (opts.pidfile && fleecedWritePidfile(opts.pidfile) < 0)
        goto cleanup;

    VIR_INFO("fleeced %s serving '%s' (pid %lld)", FLEECE_VERSION, opts.root,
             (long long) getpid());
    if (readyfd >= 0) {
        fleecedReport(readyfd, 0);
        readyfd = -1;
        fleecedDetachStdio();
    }
    if (fleecedQuitEarly)
        virNetServerQuit(fleecedServer);
    if (virNetServerRun(fleecedServer) < 0)
        goto cleanup;
    VIR_INFO("stopping");
    ret = EXIT_SUCCESS;

 cleanup:
    if (ret != EXIT_SUCCESS && virGetLastErrorCode() != VIR_ERR_OK) {
        fprintf(stderr, "fleeced: %s\n", virGetLastErrorMessage());
        VIR_ERROR("%s", virGetLastErrorMessage());
    }
    fleecedReport(readyfd, 1);
    g_clear_pointer(&fleecedServer, virNetServerFree);
    if (loop) {
        /* the event loop releases the clients' driver connections */
        if (daemon && !remoteDaemonWaitIdle(daemon, 10000))
            VIR_WARN("some client connections were not released");
        fleecedEventQuit = 1;
        virEventAddTimeout(0, fleecedEventWakeup, NULL, NULL);
        g_thread_join(loop);
    }
    virNetTLSContextFree(tls);
    remoteDaemonFree(daemon);
    if (opts.pidfile && ret == EXIT_SUCCESS)
        unlink(opts.pidfile);
    close(lockfd);
    g_free(opts.root);
    g_free(opts.pidfile);
    g_free(opts.listenTLS);
    g_free(opts.tlsDir);
    return ret;
}
