/*
 * checkpointobjlisttest.c: the checkpoint tree
 *
 * Listing results are checked against sets computed here from a plain
 * parent table (an independent oracle), for every flag combination.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "virdomaincheckpointobjlist.h"
#include "virerror.h"

/*
 *   a ── b ── d
 *   │    └─── e ── g
 *   └─── c
 *   f
 * Added children first, so that the order of addition is not an order
 * in which parents precede children.
 */
static const char *const treeNames[] = { "g", "e", "d", "c", "b", "a", "f" };
static const char *const treeParents[] = { "e", "b", "b", "a", "a", NULL, NULL };
#define TREE_N G_N_ELEMENTS(treeNames)

static const char *
testParentOf(const char *name)
{
    size_t i;

    for (i = 0; i < TREE_N; i++) {
        if (g_str_equal(treeNames[i], name))
            return treeParents[i];
    }
    return NULL;
}

static bool
testIsLeaf(const char *name)
{
    size_t i;

    for (i = 0; i < TREE_N; i++) {
        if (g_strcmp0(treeParents[i], name) == 0)
            return false;
    }
    return true;
}

static bool
testIsDescendant(const char *name, const char *anc)
{
    const char *p;

    for (p = testParentOf(name); p; p = testParentOf(p)) {
        if (g_str_equal(p, anc))
            return true;
    }
    return false;
}

static virDomainCheckpointDef *
testDef(const char *name, const char *parent)
{
    virDomainCheckpointDef *def = virDomainCheckpointDefNew();

    def->name = g_strdup(name);
    def->parent_name = g_strdup(parent);
    def->creationTime = 1000;
    return def;
}

/* Load the tree as the driver does at start: add, relink, pick current. */
static virDomainCheckpointObjList *
testLoadTree(void)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    size_t i;

    for (i = 0; i < TREE_N; i++) {
        g_autoptr(virDomainCheckpointDef) def = testDef(treeNames[i],
                                                        treeParents[i]);

        if (!virDomainCheckpointObjListAdd(list, &def))
            return NULL;
    }
    if (virDomainCheckpointObjListUpdateRelations(list) < 0)
        return NULL;
    virDomainCheckpointObjListSetCurrentLeaf(list);
    return g_steal_pointer(&list);
}

static int
testCompareNames(const void *a, const void *b)
{
    return strcmp(*(char * const *) a, *(char * const *) b);
}

/* Sorted, comma-joined copy of names. */
static char *
testJoinSorted(char **names)
{
    g_autofree char **copy = g_new0(char *, g_strv_length(names) + 1);
    size_t i;

    for (i = 0; names[i]; i++)
        copy[i] = names[i];
    qsort(copy, i, sizeof(char *), testCompareNames);
    return g_strjoinv(",", copy);
}

/* Parents come before their children in names (for those listed). */
static bool
testIsTopological(char **names)
{
    size_t i, j;

    for (i = 0; names[i]; i++) {
        for (j = i + 1; names[j]; j++) {
            if (testIsDescendant(names[i], names[j]))
                return false;
        }
    }
    return true;
}

typedef struct {
    const char *from;     /* NULL = whole tree */
    unsigned int flags;
} testListCase;

static int
testList(const void *opaque)
{
    const testListCase *tc = opaque;
    g_autoptr(virDomainCheckpointObjList) list = testLoadTree();
    virDomainCheckpointObj *from = NULL;
    g_auto(GStrv) got = NULL;
    g_autoptr(GPtrArray) want = g_ptr_array_new();
    g_autofree char *gotStr = NULL;
    g_autofree char *wantStr = NULL;
    unsigned int leafFlags = tc->flags & (VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES |
                                          VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES);
    bool bit0 = tc->flags & VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS;
    size_t i;
    int n;

    if (!list)
        return -1;
    if (tc->from && !(from = virDomainCheckpointObjListLookup(list, tc->from)))
        return -1;
    if ((n = virDomainCheckpointObjListGetNames(list, from, &got,
                                                tc->flags)) < 0)
        return -1;
    if ((size_t) n != g_strv_length(got))
        return -1;
    /* count-only call agrees */
    if (virDomainCheckpointObjListGetAll(list, from, NULL, tc->flags) != n)
        return -1;

    for (i = 0; i < TREE_N; i++) {
        const char *name = treeNames[i];
        bool leaf = testIsLeaf(name);

        if (tc->from) {
            if (bit0 ? !testIsDescendant(name, tc->from)
                     : g_strcmp0(testParentOf(name), tc->from) != 0)
                continue;
        } else if (bit0 && testParentOf(name)) {
            continue;
        }
        if (leafFlags == VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES && !leaf)
            continue;
        if (leafFlags == VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES && leaf)
            continue;
        g_ptr_array_add(want, (char *) name);
    }
    g_ptr_array_add(want, NULL);

    gotStr = testJoinSorted(got);
    wantStr = testJoinSorted((char **) want->pdata);
    if (virTestCompareStrings(wantStr, gotStr) < 0)
        return -1;
    if ((tc->flags & VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL) &&
        !testIsTopological(got)) {
        g_autofree char *order = g_strjoinv(",", got);

        virTestDiag("not topological: %s", order);
        return -1;
    }
    return 0;
}

/* Without TOPOLOGICAL the order is the order of addition, which here is
 * not topological: the flag is what makes the difference. */
static int
testListUnordered(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = testLoadTree();
    g_auto(GStrv) got = NULL;

    if (!list || virDomainCheckpointObjListGetNames(list, NULL, &got, 0) < 0)
        return -1;
    return testIsTopological(got) ? -1 : 0;
}

/* Loading: relations rebuilt, current = the only leaf, or none. */
static int
testLoad(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) tree = testLoadTree();
    g_autoptr(virDomainCheckpointObjList) chain = virDomainCheckpointObjListNew();
    const char *names[] = { "z", "x", "y" };
    const char *parents[] = { "y", NULL, "x" };
    virDomainCheckpointObj *b;
    size_t i;

    if (!tree || virDomainCheckpointObjListGetCurrent(tree))
        return -1;      /* four leaves: no current */
    b = virDomainCheckpointObjListFindByName(tree, "b");
    if (!b || !b->parent || !g_str_equal(b->parent->def->name, "a") ||
        b->children->len != 2)
        return -1;
    if (virDomainCheckpointObjListSize(tree) != TREE_N)
        return -1;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(virDomainCheckpointDef) def = testDef(names[i], parents[i]);

        if (!virDomainCheckpointObjListAdd(chain, &def))
            return -1;
    }
    if (virDomainCheckpointObjListUpdateRelations(chain) < 0)
        return -1;
    virDomainCheckpointObjListSetCurrentLeaf(chain);
    return g_strcmp0(virDomainCheckpointObjListGetCurrentName(chain), "z");
}

/* Loading broken metadata: missing parent and a cycle are reported,
 * the checkpoints concerned become roots, nothing is lost. */
static int
testLoadBroken(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    const char *names[] = { "p", "q", "orphan" };
    const char *parents[] = { "q", "p", "gone" };
    g_autofree virDomainCheckpointObj **roots = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(virDomainCheckpointDef) def = testDef(names[i], parents[i]);

        if (!virDomainCheckpointObjListAdd(list, &def))
            return -1;
    }
    if (virDomainCheckpointObjListUpdateRelations(list) == 0 ||
        virTestLastErrorCode() != VIR_ERR_INTERNAL_ERROR)
        return -1;
    if (virDomainCheckpointObjListSize(list) != 3)
        return -1;
    /* p hangs below q, q stays a root (cycle broken), orphan is a root */
    if (virDomainCheckpointObjListGetAll(list, NULL, &roots,
                                         VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS) != 2)
        return -1;
    return 0;
}

/* Lookups. */
static int
testLookup(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = testLoadTree();

    if (!list || !virDomainCheckpointObjListFindByName(list, "e"))
        return -1;
    if (virDomainCheckpointObjListFindByName(list, "nope") ||
        virDomainCheckpointObjListFindByName(list, NULL))
        return -1;
    if (virDomainCheckpointObjListLookup(list, "nope") ||
        virTestLastErrorCode() != VIR_ERR_NO_DOMAIN_CHECKPOINT)
        return -1;
    return 0;
}

/* The "current" rules of redefinition. */
static int
testRedefineCurrent(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    const char *steps[][3] = {
        /* name, parent, current afterwards */
        { "r", NULL, "r" },     /* no current yet */
        { "s", "r", "s" },      /* parent is current */
        { "t", "r", "s" },      /* parent is not current */
        { "u", NULL, "s" },     /* a second root */
        { "r", NULL, "s" },     /* replaced in place */
        { "t", "s", "t" },      /* moved below the current one */
    };
    virDomainCheckpointObj *r;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        g_autoptr(virDomainCheckpointDef) def = testDef(steps[i][0],
                                                        steps[i][1]);

        if (!virDomainCheckpointObjListRedefine(list, &def) || def)
            return -1;
        if (g_strcmp0(virDomainCheckpointObjListGetCurrentName(list),
                      steps[i][2]) != 0) {
            virTestDiag("step %zu: current '%s', expected '%s'", i,
                        virDomainCheckpointObjListGetCurrentName(list),
                        steps[i][2]);
            return -1;
        }
    }
    /* r kept its child s; t moved from r to s */
    r = virDomainCheckpointObjListFindByName(list, "r");
    if (!r || r->children->len != 1 ||
        virDomainCheckpointObjListSize(list) != 4)
        return -1;
    if (!virDomainCheckpointObjListFindByName(list, "t")->parent ||
        !g_str_equal(virDomainCheckpointObjListFindByName(list, "t")->parent->def->name, "s"))
        return -1;
    return 0;
}

/* Creation as the driver does it: parent := current, then current. */
static int
testCreate(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    const char *names[] = { "c1", "c2", "c3" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(virDomainCheckpointDef) def =
            testDef(names[i], virDomainCheckpointObjListGetCurrentName(list));
        virDomainCheckpointObj *obj;

        if (!(obj = virDomainCheckpointObjListAdd(list, &def)))
            return -1;
        virDomainCheckpointObjListSetCurrent(list, obj);
    }
    return g_strcmp0(virDomainCheckpointObjListFindByName(list, "c3")->parent->def->name,
                     "c2");
}

/* Deleting one checkpoint re-parents its children. */
static int
testRemove(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = testLoadTree();
    virDomainCheckpointObj *obj;
    g_auto(GStrv) kids = NULL;
    g_autofree char *joined = NULL;

    if (!list)
        return -1;
    obj = virDomainCheckpointObjListFindByName(list, "b");
    virDomainCheckpointObjListSetCurrent(list, obj);
    virDomainCheckpointObjListRemove(list, obj);

    if (virDomainCheckpointObjListFindByName(list, "b") ||
        g_strcmp0(virDomainCheckpointObjListGetCurrentName(list), "a") != 0)
        return -1;
    obj = virDomainCheckpointObjListFindByName(list, "a");
    if (virDomainCheckpointObjListGetNames(list, obj, &kids, 0) != 3)
        return -1;
    joined = testJoinSorted(kids);
    if (virTestCompareStrings("c,d,e", joined) < 0)
        return -1;
    if (g_strcmp0(virDomainCheckpointObjListFindByName(list, "d")->def->parent_name,
                  "a") != 0)
        return -1;

    /* removing a root makes its children roots */
    virDomainCheckpointObjListRemove(list, obj);
    obj = virDomainCheckpointObjListFindByName(list, "e");
    if (obj->parent || obj->def->parent_name ||
        virDomainCheckpointObjListGetCurrent(list))
        return -1;
    return virDomainCheckpointObjListGetAll(list, NULL, NULL,
                                            VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS) == 4 ? 0 : -1;
}

/* Deleting children only / with children, and where current goes. */
static int
testRemoveSubtree(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) only = testLoadTree();
    g_autoptr(virDomainCheckpointObjList) with = testLoadTree();
    g_autoptr(virDomainCheckpointObjList) other = testLoadTree();
    g_auto(GStrv) left = NULL;
    g_autofree char *joined = NULL;
    virDomainCheckpointObj *b;

    if (!only || !with || !other)
        return -1;

    b = virDomainCheckpointObjListFindByName(only, "b");
    virDomainCheckpointObjListSetCurrent(only,
        virDomainCheckpointObjListFindByName(only, "g"));
    virDomainCheckpointObjListRemoveSubtree(only, b, false);
    if (g_strcmp0(virDomainCheckpointObjListGetCurrentName(only), "b") != 0 ||
        b->children->len != 0)
        return -1;
    if (virDomainCheckpointObjListGetNames(only, NULL, &left, 0) < 0)
        return -1;
    joined = testJoinSorted(left);
    if (virTestCompareStrings("a,b,c,f", joined) < 0)
        return -1;

    b = virDomainCheckpointObjListFindByName(with, "b");
    virDomainCheckpointObjListSetCurrent(with,
        virDomainCheckpointObjListFindByName(with, "e"));
    virDomainCheckpointObjListRemoveSubtree(with, b, true);
    if (g_strcmp0(virDomainCheckpointObjListGetCurrentName(with), "a") != 0 ||
        virDomainCheckpointObjListSize(with) != 3)
        return -1;

    /* current outside the subtree stays */
    b = virDomainCheckpointObjListFindByName(other, "b");
    virDomainCheckpointObjListSetCurrent(other,
        virDomainCheckpointObjListFindByName(other, "c"));
    virDomainCheckpointObjListRemoveSubtree(other, b, true);
    return g_strcmp0(virDomainCheckpointObjListGetCurrentName(other), "c");
}

static int
mymain(void)
{
    const char *froms[] = { NULL, "a", "b", "e", "g", "f" };
    int ret = 0;
    size_t i;
    unsigned int flags;

    for (i = 0; i < G_N_ELEMENTS(froms); i++) {
        for (flags = 0; flags <= VIR_DOMAIN_CHECKPOINT_OBJLIST_ALL_FLAGS; flags++) {
            testListCase *tc = g_new0(testListCase, 1);
            g_autofree char *title = g_strdup_printf("list from %s flags 0x%x",
                                                     froms[i] ? froms[i] : "(all)",
                                                     flags);

            tc->from = froms[i];
            tc->flags = flags;
            if (virTestRun(title, testList, tc) < 0)
                ret = -1;
            g_free(tc);
        }
    }

    if (virTestRun("order without TOPOLOGICAL", testListUnordered, NULL) < 0)
        ret = -1;
    if (virTestRun("load", testLoad, NULL) < 0)
        ret = -1;
    if (virTestRun("load broken relations", testLoadBroken, NULL) < 0)
        ret = -1;
    if (virTestRun("lookup", testLookup, NULL) < 0)
        ret = -1;
    if (virTestRun("redefine and current", testRedefineCurrent, NULL) < 0)
        ret = -1;
    if (virTestRun("create chain", testCreate, NULL) < 0)
        ret = -1;
    if (virTestRun("remove one", testRemove, NULL) < 0)
        ret = -1;
    if (virTestRun("remove subtree", testRemoveSubtree, NULL) < 0)
        ret = -1;
    return ret;
}

VIR_TEST_MAIN(mymain)
