/*
 * testapiutils.c: helpers for public-API tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "testapiutils.h"
#include "testcorpus.h"

static unsigned int testApiCount;
static unsigned int testApiFailed;
static void (*testApiAfterEach)(void);
static char *testApiSkipReason;

int
testApiSkipBecause(const char *fmt, ...)
{
    va_list ap;

    g_free(testApiSkipReason);
    va_start(ap, fmt);
    testApiSkipReason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return TEST_API_SKIP;
}

void
testApiSetAfterEach(void (*fn)(void))
{
    testApiAfterEach = fn;
}

void
testApiRun(const char *title, int (*fn)(void))
{
    int rc;

    virResetLastError();
    rc = fn();
    if (testApiAfterEach)
        testApiAfterEach();
    testApiCount++;
    if (rc == TEST_API_SKIP) {
        printf("ok %u - %s # SKIP %s\n", testApiCount, title,
               testApiSkipReason ? testApiSkipReason : "prerequisite missing");
        g_clear_pointer(&testApiSkipReason, g_free);
        fflush(stdout);
        return;
    }
    printf("%s %u - %s\n", rc == 0 ? "ok" : "not ok", testApiCount, title);
    if (rc != 0)
        testApiFailed++;
    fflush(stdout);
}

int
testApiFinish(void)
{
    printf("1..%u\n", testApiCount);
    return testApiFailed ? 1 : 0;
}

bool
testApiRunCmd(const char *const *argv, char **out)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *o = NULL;
    g_autofree char *e = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &o, &e, &status, &err)) {
        printf("# cannot run %s: %s\n", argv[0], err->message);
        return false;
    }
    if (!g_spawn_check_exit_status(status, NULL)) {
        g_autofree char *all = g_strdup_printf("%s%s", o ? o : "", e ? e : "");
        g_auto(GStrv) lines = g_strsplit(all, "\n", -1);
        size_t i;

        /* every line of the output as a TAP comment */
        printf("# %s failed:\n", argv[0]);
        for (i = 0; lines[i]; i++) {
            if (*lines[i])
                printf("#   %s\n", lines[i]);
        }
        return false;
    }
    if (out)
        *out = g_steal_pointer(&o);
    return true;
}

bool
testApiProcessAlive(pid_t pid)
{
    g_autofree char *dir = g_strdup_printf("/proc/%d/task", (int) pid);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = g_strdup_printf("%s/%s/stat", dir, ent);
        g_autofree char *content = NULL;
        const char *p;

        if (g_file_get_contents(path, &content, NULL, NULL) &&
            (p = strrchr(content, ')')) && p[2] != 'Z' && p[2] != 'X')
            return true;
    }
    return false;
}

static GArray *testApiPids;

void
testApiTrackPid(pid_t pid)
{
    if (!testApiPids)
        testApiPids = g_array_new(FALSE, FALSE, sizeof(pid_t));
    g_array_append_val(testApiPids, pid);
}

int
testApiNoLeftovers(void)
{
    int left = 0;
    guint i;

    for (i = 0; testApiPids && i < testApiPids->len; i++) {
        pid_t pid = g_array_index(testApiPids, pid_t, i);

        if (testApiProcessAlive(pid)) {
            printf("# killing leftover qemu %d\n", (int) pid);
            kill(pid, SIGKILL);
            left++;
        }
    }
    return left ? -1 : 0;
}

bool
testApiKVMUsable(void)
{
    int fd = open("/dev/kvm", O_RDWR);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

static char *
testApiDomainXMLFrom(const char *src, const char *diskdir)
{
    g_autofree char *xml = NULL;
    g_autoptr(GString) s = NULL;

    if (!g_file_get_contents(src, &xml, NULL, NULL))
        return NULL;
    s = g_string_new(xml);
    g_string_replace(s, "DISKDIR", diskdir, 0);
    if (!testApiKVMUsable())
        g_string_replace(s, "type='kvm'", "type='qemu'", 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

char *
testApiDomainXML(const char *diskdir)
{
    g_autofree char *src = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "testvm.xml", NULL);

    return testApiDomainXMLFrom(src, diskdir);
}

char *
testApiCorpusDomainXML(const char *diskdir)
{
    g_autofree char *dir = testCorpusDir(ABS_TOP_SRCDIR);
    g_autofree char *src = NULL;

    if (!dir)
        return NULL;
    src = g_build_filename(dir, "domains", "libvirt-dumpxml-plain.xml", NULL);
    return testApiDomainXMLFrom(src, diskdir);
}
