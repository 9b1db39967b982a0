/*
 * virconftest.c: the settings file grammar, and the table of settings
 * against its documentation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "qemu_conf.h"
#include "virconf.h"
#include "virerror.h"

static const virConfEntry *
testFind(const virConf *conf, const char *key)
{
    guint i;

    for (i = 0; i < conf->entries->len; i++) {
        const virConfEntry *e = g_ptr_array_index(conf->entries, i);

        if (g_str_equal(e->key, key))
            return e;
    }
    virTestDiag("no key '%s'", key);
    return NULL;
}

static int
testGrammar(const void *data G_GNUC_UNUSED)
{
    const char *text =
        "# comment\n"
        "a_1 = \"double # not a comment\"  # comment\n"
        "\tb='single \"quoted\"'\n"
        "_c = -42\n"
        "d = [ \"x\", 'y', # comment\n"
        "      \"z\" ]\n"
        "e = []\n"
        "f=0\n";
    g_autoptr(virConf) conf = virConfParseString("t.conf", text, strlen(text));
    const virConfEntry *e;

    if (!conf)
        return -1;
    if (conf->entries->len != 6) {
        virTestDiag("%u entries", conf->entries->len);
        return -1;
    }
    if (!(e = testFind(conf, "a_1")) || e->type != VIR_CONF_TYPE_STRING ||
        virTestCompareStrings("double # not a comment", e->str) < 0 || e->line != 2)
        return -1;
    if (!(e = testFind(conf, "b")) || virTestCompareStrings("single \"quoted\"", e->str) < 0)
        return -1;
    if (!(e = testFind(conf, "_c")) || e->type != VIR_CONF_TYPE_INTEGER || e->num != -42)
        return -1;
    if (!(e = testFind(conf, "d")) || e->type != VIR_CONF_TYPE_LIST ||
        g_strv_length(e->list) != 3 || !g_str_equal(e->list[2], "z") || e->line != 5)
        return -1;
    if (!(e = testFind(conf, "e")) || e->type != VIR_CONF_TYPE_LIST || e->list[0])
        return -1;
    if (!(e = testFind(conf, "f")) || e->line != 8 || e->num != 0)
        return -1;
    return 0;
}

static int
testBad(const void *data G_GNUC_UNUSED)
{
    const struct {
        const char *text;
        const char *fragment;
    } cases[] = {
        { "a = \"x\" \"y\"\n", "line 1: unexpected text after the value of 'a'" },
        { "a = [ \"x\"\n", "line 1: the list of 'a' is not closed" },
        { "a = [ \"x\",\n", "line 1: the list of 'a' is not closed" },
        { "a = [ \"x\" \"y\" ]\n", "line 1: expected ',' or ']' in the list of 'a'" },
        { "a = [ 1 ]\n", "line 1: the list of 'a' must hold quoted strings" },
        { "a = [ \"x\" ] y\n", "line 1: unexpected text after the value of 'a'" },
        { "a = 'x\ny'\n", "line 1: unterminated string in the value of 'a'" },
        { "1a = 1\n", "line 1: expected a key" },
        { "a-b = 1\n", "line 1: expected '=' after 'a'" },
        { "a = -\n", "line 1: value of 'a' must be a quoted string" },
        { "a = 9223372036854775808\n", "line 1: integer value of 'a' is out of range" },
        { "a = 1\n\n\na = 1\n", "line 4: 'a' is already set on line 1" },
        { "a =", "line 1: 'a' has no value" },
        { "a", "line 1: expected '=' after 'a'" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(virConf) conf = virConfParseString("t.conf", cases[i].text,
                                                     strlen(cases[i].text));

        if (conf) {
            virTestDiag("accepted: %s", cases[i].text);
            return -1;
        }
        if (virTestCheckError(VIR_ERR_CONF_SYNTAX, cases[i].fragment) < 0 ||
            virTestCheckError(VIR_ERR_CONF_SYNTAX, "configuration file 't.conf'") < 0)
            return -1;
    }
    return 0;
}

/* The keys a documentation page lists: each "``KEY = " it contains. */
static GHashTable *
testDocumentedKeys(const char *file)
{
    g_autofree char *path = g_build_filename(abs_top_srcdir, file, NULL);
    g_autofree char *text = virTestLoadFile(path);
    GHashTable *keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *p = text;

    while (p && (p = strstr(p, "``"))) {
        size_t n;

        p += 2;
        n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
        if (n && g_str_has_prefix(p + n, " = "))
            g_hash_table_add(keys, g_strndup(p, n));
    }
    return keys;
}

/* Every setting of the table is documented, with its default, in the man
 * page and the embedded driver's page; they document no other. */
static int
testDocumented(const void *data)
{
    const char *file = data;
    g_autofree char *path = g_build_filename(abs_top_srcdir, file, NULL);
    g_autofree char *text = virTestLoadFile(path);
    g_autoptr(GHashTable) documented = testDocumentedKeys(file);
    size_t nkeys, i;
    const qemuConfKey *keys = qemuDriverConfigKeys(&nkeys);

    if (!text)
        return -1;
    for (i = 0; i < nkeys; i++) {
        g_autofree char *def = NULL;

        if (!g_hash_table_remove(documented, keys[i].key)) {
            virTestDiag("'%s' does not document '%s' (as ``%s = ...``)",
                        file, keys[i].key, keys[i].key);
            return -1;
        }
        if (keys[i].type == QEMU_CONF_VALUE_BOOL || keys[i].type == QEMU_CONF_VALUE_UINT ||
            keys[i].type == QEMU_CONF_VALUE_UINT32)
            def = g_strdup_printf("default ``%llu``", keys[i].defNumber);
        else if (keys[i].defString)
            def = g_strdup_printf("default ``%s``", keys[i].defString);
        if (def && !strstr(text, def)) {
            virTestDiag("'%s' does not give '%s' its %s", file, keys[i].key, def);
            return -1;
        }
    }
    if (g_hash_table_size(documented) > 0) {
        g_autofree char **extra = (char **) g_hash_table_get_keys_as_array(documented, NULL);

        virTestDiag("'%s' documents '%s', which is not a setting", file, extra[0]);
        return -1;
    }
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("grammar", testGrammar, NULL);
    ret |= virTestRun("bad syntax", testBad, NULL);
    ret |= virTestRun("settings documented in the man page", testDocumented,
                      "docs/manpages/fleece.rst");
    ret |= virTestRun("settings documented in the embedded driver's page", testDocumented,
                      "docs/kbase/embedded-driver.rst");
    return ret;
}

VIR_TEST_MAIN(mymain)
