/*
 * qemuconftest.c: ROOT/etc/fleece.conf through the public API
 *
 * Bad files refuse the connection with VIR_ERR_CONF_SYNTAX naming file,
 * line and key; each setting changes what it says, on real QEMU and
 * qemu-img: qemu_img (the program run), backup_bandwidth (the speed of
 * push copies), backup_tls_x509_cert_dir and backup_tls_x509_verify (the
 * NBD server's credentials and whether clients need a certificate),
 * backup_cbw_timeout (Fleece's own copy-before-write filter).  The
 * old environment variables change nothing; in particular none turns off
 * client-certificate checking.
 *
 * Output is TAP.  Skips when QEMU, qemu-img, qemu-io, nbdinfo or openssl
 * is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

#define DOMNAME "conf"

static char *root;
static char *uri;
static char *confpath;
static virConnectPtr conn;
static virDomainPtr dom;

static char *
path(const char *name)
{
    return g_build_filename(root, name, NULL);
}

/* Write ROOT/etc/fleece.conf (NULL removes it). */
static bool
writeConf(const char *content)
{
    if (!content)
        return g_unlink(confpath) == 0 || !g_file_test(confpath, G_FILE_TEST_EXISTS);
    return g_file_set_contents(confpath, content, -1, NULL);
}

/* A connection opened with these settings (NULL: none). */
static virConnectPtr
openWith(const char *content)
{
    if (!writeConf(content))
        return NULL;
    return virConnectOpen(uri);
}

static void
trackPid(void)
{
    g_autofree char *file = g_strdup_printf("%s/run/%s.pid", root, DOMNAME);
    g_autofree char *content = NULL;

    if (g_file_get_contents(file, &content, NULL, NULL) && atoi(content) > 0)
        testApiTrackPid(atoi(content));
}

static int
testNoFile(void)
{
    virConnectPtr c;

    CHECK((c = openWith(NULL)), "open without a settings file");
    virConnectClose(c);
    CHECK((c = openWith("# only a comment\n\n   \t\n")), "open with comments only");
    virConnectClose(c);
    CHECK((c = openWith("  # settings\nbackup_bandwidth = 0   # none\n"
                        "qemu_img = '/usr/bin/qemu-img'\n"
                        "backup_tls_x509_verify=1\n"
                        "backup_tls_x509_cert_dir = \"/etc/pki/fleece\"\r\n"
                        "backup_cbw_timeout = 3600\n")),
          "open with every key, both quotes, CRLF");
    virConnectClose(c);
    return 0;
}

typedef struct {
    const char *content;
    int line;
    const char *fragment;
} badConf;

static int
testBadFiles(void)
{
    const badConf cases[] = {
        { "bogus = 1\n", 1, "unknown key 'bogus'" },
        { "BACKUP_BANDWIDTH = 1\n", 1, "unknown key 'BACKUP_BANDWIDTH'" },
        { "# c\n\nbackup_bandwidth = \"fast\"\n", 3,
          "'backup_bandwidth' must be an integer from 0 to" },
        { "backup_bandwidth = -1\n", 1, "'backup_bandwidth' must be an integer from 0 to" },
        { "backup_bandwidth = 99999999999999999999\n", 1,
          "integer value of 'backup_bandwidth' is out of range" },
        { "backup_bandwidth = 1 2\n", 1,
          "unexpected text after the value of 'backup_bandwidth'" },
        { "backup_bandwidth = 0x10\n", 1,
          "unexpected text after the value of 'backup_bandwidth'" },
        { "backup_bandwidth = 1\nbackup_bandwidth = 2\n", 2,
          "'backup_bandwidth' is already set on line 1" },
        { "backup_bandwidth =\n", 1, "'backup_bandwidth' has no value" },
        { "backup_tls_x509_verify = 2\n", 1, "'backup_tls_x509_verify' must be 0 or 1" },
        { "backup_tls_x509_verify = no\n", 1,
          "value of 'backup_tls_x509_verify' must be a quoted string, an integer or a list" },
        { "backup_tls_x509_verify = \"0\"\n", 1, "'backup_tls_x509_verify' must be 0 or 1" },
        { "backup_tls_x509_cert_dir = \"pki\"\n", 1,
          "'backup_tls_x509_cert_dir' must be an absolute path, not 'pki'" },
        { "backup_tls_x509_cert_dir = 5\n", 1,
          "'backup_tls_x509_cert_dir' must be a quoted string" },
        { "qemu_img = \"qemu-img\"\n", 1, "'qemu_img' must be an absolute path" },
        { "backup_cbw_timeout = 3601\n", 1,
          "'backup_cbw_timeout' must be an integer from 0 to 3600" },
        { "backup_cbw_timeout = \"5\"\n", 1,
          "'backup_cbw_timeout' must be an integer from 0 to 3600" },
        { "qemu_img = [ \"/usr/bin/qemu-img\" ]\n", 1, "'qemu_img' must be a quoted string" },
        { "qemu_img = \"/usr/bin/qemu-img\n", 1,
          "unterminated string in the value of 'qemu_img'" },
        { "qemu_img \"/usr/bin/qemu-img\"\n", 1, "expected '=' after 'qemu_img'" },
        { "\n\n = 5\n", 3, "expected a key" },
        { "qemu_img = [ \"/a\",\n  \"/b\" \"/c\" ]\n", 2, "expected ',' or ']' in the list of 'qemu_img'" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *where = g_strdup_printf("configuration file '%s' line %d: ",
                                                 confpath, cases[i].line);
        virConnectPtr c = openWith(cases[i].content);
        const char *msg = virGetLastErrorMessage();

        if (c)
            virConnectClose(c);
        CHECK(!c, "accepted: %s", cases[i].content);
        CHECK(virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX, "code %d for %s",
              virGetLastErrorCode(), cases[i].content);
        CHECK(strstr(msg, where) && strstr(msg, cases[i].fragment),
              "message '%s', want '%s%s'", msg, where, cases[i].fragment);
        /* read-only connections read the same settings */
        c = virConnectOpenReadOnly(uri);
        if (c)
            virConnectClose(c);
        CHECK(!c && virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX,
              "read-only accepted: %s", cases[i].content);
    }
    /* a NUL byte, and a directory in the file's place */
    CHECK(g_file_set_contents(confpath, "backup_bandwidth = 1\n\0x", 23, NULL), "write");
    CHECK(!virConnectOpen(uri) && virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX &&
          strstr(virGetLastErrorMessage(), "line 2: NUL byte"), "NUL byte");
    CHECK(writeConf(NULL) && g_mkdir(confpath, 0700) == 0, "directory");
    CHECK(!virConnectOpen(uri) && virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX &&
          strstr(virGetLastErrorMessage(), "is a directory"), "directory refused");
    CHECK(g_rmdir(confpath) == 0, "rmdir");
    return 0;
}

/* qemu_img: the configured program is what runs. */
static int
testQemuImg(void)
{
    g_autofree char *disk = path("off.qcow2");
    g_autofree char *wrapper = path("my qemu-img");
    g_autofree char *log = path("qemu-img.log");
    g_autofree char *real = g_find_program_in_path("qemu-img");
    g_autofree char *script = g_strdup_printf("#!/bin/sh\necho \"$*\" >> '%s'\nexec '%s' \"$@\"\n",
                                              log, real);
    g_autofree char *conf = g_strdup_printf("qemu_img = \"%s\"\n", wrapper);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='qemu'><name>off</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "</devices></domain>", disk);
    g_autofree char *logged = NULL;
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "16M", NULL };
    virConnectPtr c = NULL;
    virDomainPtr d = NULL;
    virDomainCheckpointPtr cp = NULL;
    int ret = -1;

    CHECK(testApiRunCmd(mk, NULL), "image");
    CHECK(g_file_set_contents(wrapper, script, -1, NULL) && chmod(wrapper, 0700) == 0,
          "wrapper");
    if (!(c = openWith(conf)) || !(d = virDomainDefineXML(c, xml)))
        goto cleanup;
    if (!(cp = virDomainCheckpointCreateXML(d, "<domaincheckpoint><name>c1</name>"
                                               "</domaincheckpoint>", 0)))
        goto cleanup;
    if (!g_file_get_contents(log, &logged, NULL, NULL) ||
        !strstr(logged, "bitmap --add -- ") || !strstr(logged, disk)) {
        printf("# wrapper log: %s\n", logged ? logged : "(none)");
        goto cleanup;
    }
    virDomainCheckpointFree(cp);
    cp = NULL;
    virDomainFree(d);
    d = NULL;
    virConnectClose(c);

    /* a program that does not exist: the error names it */
    c = openWith("qemu_img = \"/nonexistent/qemu-img\"\n");
    if (!c || !(d = virDomainLookupByName(c, "off")))
        goto cleanup;
    if ((cp = virDomainCheckpointCreateXML(d, "<domaincheckpoint><name>c2</name>"
                                              "</domaincheckpoint>", 0)) ||
        !strstr(virGetLastErrorMessage(), "/nonexistent/qemu-img")) {
        printf("# c2: %s\n", virGetLastErrorMessage());
        goto cleanup;
    }
    if (virDomainCheckpointLookupByName(d, "c2", 0)) {
        printf("# c2 exists\n");
        goto cleanup;
    }
    ret = 0;
 cleanup:
    if (ret < 0)
        printf("# last error: %s\n", virGetLastErrorMessage());
    if (cp)
        virDomainCheckpointFree(cp);
    if (d) {
        virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(d);
    }
    if (c)
        virConnectClose(c);
    writeConf(NULL);
    return ret;
}

static int
testStart(void)
{
    g_autofree char *disk = path("vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domain type='%s'><name>" DOMNAME "</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", disk);
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "64M", NULL };
    char *reply = NULL;

    CHECK(testApiRunCmd(mk, NULL), "image");
    CHECK((conn = openWith(NULL)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    trackPid();
    CHECK(virDomainQemuMonitorCommand(dom, "qemu-io -d virtio-disk0/virtio-backend "
                                      "\"write -P 0x5a 0 8M\"", &reply,
                                      VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) == 0, "write");
    free(reply);
    return 0;
}

/* The "speed" of the running backup job, -1 if none runs. */
static long long
jobSpeed(virDomainPtr d)
{
    char *reply = NULL;
    const char *p;
    long long speed = -1;

    if (virDomainQemuMonitorCommand(d, "{\"execute\":\"query-block-jobs\"}", &reply, 0) < 0)
        return -1;
    if ((p = strstr(reply, "\"speed\":")))
        speed = atoll(p + 8);
    free(reply);
    return speed;
}

static int
testBandwidth(void)
{
    g_autofree char *target = path("slow.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
        "</disk></disks></domainbackup>", target);
    virConnectPtr c;
    virDomainPtr d;
    long long speed;

    /* the old environment variable does nothing */
    g_setenv("FLEECE_BACKUP_BANDWIDTH", "2048", TRUE);
    CHECK((c = openWith("backup_bandwidth = 1048576\n")), "open with backup_bandwidth");
    CHECK((d = virDomainLookupByName(c, DOMNAME)), "lookup");
    CHECK(virDomainBackupBegin(d, xml, NULL, 0) == 0, "begin");
    speed = jobSpeed(d);
    CHECK(virDomainAbortJob(d) == 0, "abort the slow copy");
    g_unsetenv("FLEECE_BACKUP_BANDWIDTH");
    CHECK(speed == 1048576, "job speed %lld, want 1048576", speed);
    CHECK(!g_file_test(target, G_FILE_TEST_EXISTS), "aborted target removed");
    virDomainFree(d);
    virConnectClose(c);
    return 0;
}

/* A CA, a server and a client certificate in dir; a second directory
 * with the CA alone (a client without a certificate). */
static bool
makeCerts(const char *dir, const char *caonly)
{
    g_autofree char *script = g_strdup_printf(
        "set -e; cd '%s'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem "
        "  -days 2 -subj /CN=FleeceTestCA 2>/dev/null; "
        "for who in server client; do "
        "  openssl req -newkey rsa:2048 -nodes -keyout $who-key.pem -out $who.csr "
        "    -subj /CN=localhost 2>/dev/null; "
        "  usage=serverAuth; [ $who = client ] && usage=clientAuth; "
        "  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=%%s\\n' $usage > $who.ext; "
        "  openssl x509 -req -in $who.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial "
        "    -out $who-cert.pem -days 2 -extfile $who.ext 2>/dev/null; "
        "done; cp ca-cert.pem '%s/'", dir, caonly);
    const char *gen[] = { "bash", "-c", script, NULL };

    return g_mkdir_with_parents(dir, 0700) == 0 &&
           g_mkdir_with_parents(caonly, 0700) == 0 && testApiRunCmd(gen, NULL);
}

/* Pull over TLS with the settings in conf; whether a client with a
 * certificate (and one without) can read the export. */
static int
pullTLS(const char *conf, const char *certs, const char *caonly,
        bool *withCert, bool *withoutCert)
{
    const char *xml =
        "<domainbackup mode='pull'><server name='localhost' tls='yes'/><disks>"
        "<disk name='vda'/></disks></domainbackup>";
    g_autofree char *desc = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    virConnectPtr c;
    virDomainPtr d;
    const char *port;
    int ret = -1;

    CHECK((c = openWith(conf)), "open");
    CHECK((d = virDomainLookupByName(c, DOMNAME)), "lookup");
    if (virDomainBackupBegin(d, xml, NULL, 0) < 0)
        goto cleanup;
    desc = virDomainBackupGetXMLDesc(d, 0);
    if (!desc || !(port = strstr(desc, " port='")))
        goto cleanup;
    {
        g_autofree char *ea = g_uri_escape_string(certs, "/", FALSE);
        g_autofree char *eb = g_uri_escape_string(caonly, "/", FALSE);

        a = g_strdup_printf("nbds://localhost:%d/vda?tls-certificates=%s", atoi(port + 7), ea);
        b = g_strdup_printf("nbds://localhost:%d/vda?tls-certificates=%s", atoi(port + 7), eb);
    }
    {
        const char *one[] = { "nbdinfo", "--size", a, NULL };
        const char *two[] = { "nbdinfo", "--size", b, NULL };

        printf("# a client with a certificate:\n");
        *withCert = testApiRunCmd(one, NULL);
        printf("# a client without a certificate:\n");
        *withoutCert = testApiRunCmd(two, NULL);
    }
    if (virDomainBackupEnd(d, 0) < 0)
        goto cleanup;
    ret = 0;
 cleanup:
    if (ret < 0)
        printf("# pull: %s\n", virGetLastErrorMessage());
    virDomainFree(d);
    virConnectClose(c);
    return ret;
}

/* backup_cbw_timeout: a pull backup runs on Fleece's own
 * copy-before-write filter with QEMU's cbw-timeout, and no QEMU job. */
static int
testCBWTimeout(void)
{
    g_autofree char *scratch = path("cbw-scratch.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server name='localhost'/><disks>"
        "<disk name='vda'><scratch file='%s'/></disk></disks></domainbackup>", scratch);
    char *jobs = NULL;
    char *nodes = NULL;
    virConnectPtr c;
    virDomainPtr d;
    bool nojob, filter;

    g_setenv("FLEECE_BACKUP_CBW_TIMEOUT", "9", TRUE);
    CHECK((c = openWith("backup_cbw_timeout = 7\n")), "open with backup_cbw_timeout");
    g_unsetenv("FLEECE_BACKUP_CBW_TIMEOUT");
    CHECK((d = virDomainLookupByName(c, DOMNAME)), "lookup");
    CHECK(virDomainBackupBegin(d, xml, NULL, 0) == 0, "pull begin");
    CHECK(virDomainQemuMonitorCommand(d, "{\"execute\":\"query-jobs\"}", &jobs, 0) == 0 &&
          virDomainQemuMonitorCommand(d, "{\"execute\":\"query-named-block-nodes\","
                                      "\"arguments\":{\"flat\":true}}", &nodes, 0) == 0,
          "queries");
    {
        /* the bound is recorded with the backup: 7 from the file, not 9 */
        g_autofree char *status = NULL;
        g_autofree char *file = g_strdup_printf("%s/run/%s.xml", root, DOMNAME);

        CHECK(g_file_get_contents(file, &status, NULL, NULL) &&
              strstr(status, " cbwtimeout='7'"), "bound recorded: %s", status);
    }
    nojob = strstr(jobs, "\"return\":[]") != NULL;
    filter = strstr(nodes, "\"node-name\":\"fleece-cbw-vda\"") &&
             strstr(nodes, "\"drv\":\"copy-before-write\"");
    free(jobs);
    free(nodes);
    CHECK(virDomainBackupEnd(d, 0) == 0, "end");
    virDomainFree(d);
    virConnectClose(c);
    CHECK(nojob && filter, "own filter %d, no QEMU job %d", filter, nojob);
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    writeConf(NULL);
    return 0;
}

static int
testTLS(void)
{
    g_autofree char *certs = path("my pki");
    g_autofree char *caonly = path("ca only");
    g_autofree char *conf = g_strdup_printf("backup_tls_x509_cert_dir = \"%s\"\n", certs);
    g_autofree char *noverify = g_strdup_printf("backup_tls_x509_cert_dir = '%s'\n"
                                                "backup_tls_x509_verify = 0\n", certs);
    bool withCert = false, withoutCert = true;
    virConnectPtr c;
    virDomainPtr d;

    CHECK(makeCerts(certs, caonly), "certificates");
    /* the default place ROOT/pki/backup is empty: refused before anything */
    CHECK((c = openWith(NULL)) && (d = virDomainLookupByName(c, DOMNAME)), "open");
    CHECK(virDomainBackupBegin(d, "<domainbackup mode='pull'><server name='localhost' "
                                  "tls='yes'/></domainbackup>", NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "pki/backup"), "no credentials at the default place");
    virDomainFree(d);
    virConnectClose(c);

    CHECK(pullTLS(conf, certs, caonly, &withCert, &withoutCert) == 0, "pull");
    CHECK(withCert && !withoutCert, "verify by default: with %d without %d",
          withCert, withoutCert);
    /* an environment variable never turns the check off */
    g_setenv("FLEECE_BACKUP_TLS_X509_VERIFY", "0", TRUE);
    withCert = false, withoutCert = true;
    CHECK(pullTLS(conf, certs, caonly, &withCert, &withoutCert) == 0, "pull");
    g_unsetenv("FLEECE_BACKUP_TLS_X509_VERIFY");
    CHECK(withCert && !withoutCert, "the environment turned verification off");
    /* the settings file can */
    withCert = false, withoutCert = false;
    CHECK(pullTLS(noverify, certs, caonly, &withCert, &withoutCert) == 0, "pull");
    CHECK(withCert && withoutCert, "backup_tls_x509_verify = 0: with %d without %d",
          withCert, withoutCert);
    writeConf(NULL);
    return 0;
}

int
main(void)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "nbdinfo", "openssl" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    g_autofree char *etc = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    g_unsetenv("FLEECE_BACKUP_BANDWIDTH");
    g_unsetenv("FLEECE_BACKUP_TLS_X509_VERIFY");
    g_unsetenv("FLEECE_BACKUP_TLS_X509_CERT_DIR");
    g_unsetenv("FLEECE_BACKUP_CBW_TIMEOUT");
    root = g_dir_make_tmp("fleece-conf-XXXXXX", NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    etc = path("etc");
    confpath = g_build_filename(etc, "fleece.conf", NULL);
    g_mkdir(etc, 0700);

    testApiRun("no settings file, comments only, every key", testNoFile);
    testApiRun("bad settings files refuse the connection", testBadFiles);
    testApiRun("qemu_img names the program run", testQemuImg);
    testApiRun("a running domain", testStart);
    if (dom) {
        testApiRun("backup_bandwidth limits the push copy", testBandwidth);
        testApiRun("backup_tls_x509_cert_dir and backup_tls_x509_verify", testTLS);
        testApiRun("backup_cbw_timeout bounds copy-before-write", testCBWTimeout);
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefine(dom);
        virDomainFree(dom);
    }
    testApiRun("no QEMU left", testApiNoLeftovers);
    if (conn)
        virConnectClose(conn);
    rm[2] = root;
    testApiRunCmd(rm, NULL);
    return testApiFinish();
}
