/*
 * qemuxml2argvtest.c: domain XML -> QEMU command line, against golden files
 *
 * Each tests/qemuxml2argvdata/NAME.xml is parsed, validated, given aliases
 * and node names, and turned into argv; the result (one argument per line)
 * must equal NAME.args.  NAME-invalid.xml must be refused before anything
 * runs, with VIR_ERR_CONFIG_UNSUPPORTED and, when NAME-invalid.err exists,
 * a message containing that file's text.  FLEECE_TEST_REGENERATE=1 rewrites the .args files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "domain_conf.h"
#include "qemu_command.h"
#include "virerror.h"

static char *
testArgvToString(char **argv)
{
    g_autoptr(GString) out = g_string_new(NULL);
    size_t i;

    for (i = 0; argv[i]; i++)
        g_string_append_printf(out, "%s\n", argv[i]);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static int
testXML2Argv(const void *data)
{
    const char *name = data;
    g_autofree char *xmlpath = g_strdup_printf("%s/qemuxml2argvdata/%s.xml",
                                               abs_srcdir, name);
    g_autofree char *argspath = g_strdup_printf("%s/qemuxml2argvdata/%s.args",
                                                abs_srcdir, name);
    g_autofree char *errpath = g_strdup_printf("%s/qemuxml2argvdata/%s.err",
                                               abs_srcdir, name);
    g_autofree char *xml = virTestLoadFile(xmlpath);
    g_autoptr(virDomainDef) def = NULL;
    g_auto(GStrv) argv = NULL;
    g_autofree char *actual = NULL;
    qemuCommandParams params = {
        .qmpSocket = "/var/lib/fleece/run/NAME.qmp",
        .pidfile = "/var/lib/fleece/run/NAME.pid",
    };
    unsigned int nextIndex = 1;
    bool invalid = g_str_has_suffix(name, "-invalid");
    int rc;

    if (!xml)
        return -1;
    def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE);
    rc = def ? 0 : -1;
    if (rc == 0)
        rc = virDomainDefValidateRunnable(def);
    if (rc == 0)
        rc = qemuValidateDomainDef(def);
    if (rc == 0)
        rc = qemuAssignDeviceAliases(def);
    if (invalid) {
        if (rc == 0) {
            virTestDiag("'%s' was accepted", name);
            return -1;
        }
        if (g_file_test(errpath, G_FILE_TEST_EXISTS)) {
            g_autofree char *want = virTestLoadFile(errpath);

            if (!want)
                return -1;
            return virTestCheckError(VIR_ERR_CONFIG_UNSUPPORTED,
                                     g_strchomp(want));
        }
        return virTestCheckError(VIR_ERR_CONFIG_UNSUPPORTED, NULL);
    }
    if (rc < 0)
        return -1;
    qemuAssignNodeNames(def, &nextIndex);
    params.kvm = def->virtType == VIR_DOMAIN_VIRT_KVM;
    argv = qemuBuildCommandLine(def, &params);
    actual = testArgvToString(argv);
    return virTestCompareToFile(actual, argspath);
}

static int
mymain(void)
{
    g_autofree char *dir = g_strdup_printf("%s/qemuxml2argvdata", abs_srcdir);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *ent;
    int ret = 0;
    guint i;

    if (!d)
        return -1;
    while ((ent = g_dir_read_name(d))) {
        if (g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));
    }
    g_ptr_array_sort(names, (GCompareFunc) g_ascii_strcasecmp);
    for (i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        g_autofree char *title = g_strdup_printf("xml2argv %s", n);

        ret |= virTestRun(title, testXML2Argv, n);
    }
    return ret == 0 ? 0 : -1;
}

VIR_TEST_MAIN(mymain)
