/*
 * virdomaincheckpointobjlist.c: the checkpoint tree of one domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virdomaincheckpointobjlist.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("conf.virdomaincheckpointobjlist");

struct _virDomainCheckpointObjList {
    gint refs;
    GPtrArray *objs;                    /* owned, in order of addition */
    GHashTable *byName;                 /* def->name -> obj, borrowed */
    virDomainCheckpointObj *current;
};

/* Free one tree node and its definition. */
static void
virDomainCheckpointObjFree(virDomainCheckpointObj *obj)
{
    if (!obj)
        return;
    virDomainCheckpointDefFree(obj->def);
    g_ptr_array_free(obj->children, TRUE);
    g_free(obj);
}

/* An empty tree. */
virDomainCheckpointObjList *
virDomainCheckpointObjListNew(void)
{
    virDomainCheckpointObjList *list = g_new0(virDomainCheckpointObjList, 1);

    list->refs = 1;
    list->objs = g_ptr_array_new_with_free_func(
        (GDestroyNotify) virDomainCheckpointObjFree);
    list->byName = g_hash_table_new(g_str_hash, g_str_equal);
    return list;
}

virDomainCheckpointObjList *
virDomainCheckpointObjListRef(virDomainCheckpointObjList *list)
{
    g_atomic_int_inc(&list->refs);
    return list;
}

bool
virDomainCheckpointObjListIsShared(virDomainCheckpointObjList *list)
{
    return g_atomic_int_get(&list->refs) > 1;
}

/* Drop a reference; the last frees the tree and every checkpoint in it.
 * NULL is fine. */
void
virDomainCheckpointObjListFree(virDomainCheckpointObjList *list)
{
    if (!list || !g_atomic_int_dec_and_test(&list->refs))
        return;
    g_hash_table_destroy(list->byName);
    g_ptr_array_free(list->objs, TRUE);
    g_free(list);
}

/* Hang obj below parent (NULL = make it a root). */
static void
virDomainCheckpointObjLink(virDomainCheckpointObj *obj,
                           virDomainCheckpointObj *parent)
{
    obj->parent = parent;
    if (parent)
        g_ptr_array_add(parent->children, obj);
}

/* Detach obj from its parent, leaving it a root. */
static void
virDomainCheckpointObjUnlink(virDomainCheckpointObj *obj)
{
    if (obj->parent)
        g_ptr_array_remove(obj->parent->children, obj);
    obj->parent = NULL;
}

/* Whether anc is obj or one of its ancestors. */
static bool
virDomainCheckpointObjIsAncestor(const virDomainCheckpointObj *anc,
                                 const virDomainCheckpointObj *obj)
{
    for (; obj; obj = obj->parent) {
        if (obj == anc)
            return true;
    }
    return false;
}

virDomainCheckpointObj *
virDomainCheckpointObjListFindByName(virDomainCheckpointObjList *list,
                                     const char *name)
{
    if (!name)
        return NULL;
    return g_hash_table_lookup(list->byName, name);
}

/* Find by name, reporting the absence. */
virDomainCheckpointObj *
virDomainCheckpointObjListLookup(virDomainCheckpointObjList *list,
                                 const char *name)
{
    virDomainCheckpointObj *obj;

    if (!(obj = virDomainCheckpointObjListFindByName(list, name)))
        virReportError(VIR_ERR_NO_DOMAIN_CHECKPOINT,
                       _("no domain checkpoint with matching name '%s'"),
                       name ? name : "");
    return obj;
}

size_t
virDomainCheckpointObjListSize(virDomainCheckpointObjList *list)
{
    return list->objs->len;
}

/* Add a definition as a new node; see the header. */
virDomainCheckpointObj *
virDomainCheckpointObjListAdd(virDomainCheckpointObjList *list,
                              virDomainCheckpointDef **def)
{
    virDomainCheckpointObj *obj;
    virDomainCheckpointObj *parent;

    if (!*def || !(*def)->name) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("checkpoint definition has no name"));
        return NULL;
    }
    if (virDomainCheckpointObjListFindByName(list, (*def)->name)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("checkpoint '%s' already exists"), (*def)->name);
        return NULL;
    }

    obj = g_new0(virDomainCheckpointObj, 1);
    obj->def = g_steal_pointer(def);
    obj->children = g_ptr_array_new();
    g_ptr_array_add(list->objs, obj);
    g_hash_table_insert(list->byName, obj->def->name, obj);

    parent = virDomainCheckpointObjListFindByName(list, obj->def->parent_name);
    if (parent && parent != obj)
        virDomainCheckpointObjLink(obj, parent);
    return obj;
}

virDomainCheckpointObj *
virDomainCheckpointObjListGetCurrent(virDomainCheckpointObjList *list)
{
    return list->current;
}

const char *
virDomainCheckpointObjListGetCurrentName(virDomainCheckpointObjList *list)
{
    return list->current ? list->current->def->name : NULL;
}

void
virDomainCheckpointObjListSetCurrent(virDomainCheckpointObjList *list,
                                     virDomainCheckpointObj *obj)
{
    list->current = obj;
}

/* Relink the whole tree from the parent names; see the header.  Linear
 * in the number of checkpoints (a long chain is the common shape): every
 * node is visited once on the way up to a root, and a walk that comes
 * back to a node of its own path has found a cycle, which the node that
 * closes it leaves as a root. */
int
virDomainCheckpointObjListUpdateRelations(virDomainCheckpointObjList *list)
{
    enum { UNSEEN = 0, ON_PATH, DONE };
    g_autoptr(GHashTable) state = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_autoptr(GPtrArray) path = g_ptr_array_new();
    bool broken = false;
    size_t i;

    for (i = 0; i < list->objs->len; i++) {
        virDomainCheckpointObj *obj = g_ptr_array_index(list->objs, i);

        obj->parent = NULL;
        g_ptr_array_set_size(obj->children, 0);
    }

    for (i = 0; i < list->objs->len; i++) {
        virDomainCheckpointObj *obj = g_ptr_array_index(list->objs, i);

        if (!obj->def->parent_name)
            continue;
        obj->parent = virDomainCheckpointObjListFindByName(list, obj->def->parent_name);
        if (!obj->parent || obj->parent == obj) {
            VIR_WARN("checkpoint '%s' has a missing or cyclic parent '%s'",
                     obj->def->name, obj->def->parent_name);
            obj->parent = NULL;
            broken = true;
        }
    }

    for (i = 0; i < list->objs->len; i++) {
        virDomainCheckpointObj *cur = g_ptr_array_index(list->objs, i);
        guint p;

        g_ptr_array_set_size(path, 0);
        while (cur && GPOINTER_TO_INT(g_hash_table_lookup(state, cur)) == UNSEEN) {
            g_hash_table_insert(state, cur, GINT_TO_POINTER(ON_PATH));
            g_ptr_array_add(path, cur);
            cur = cur->parent;
        }
        if (cur && GPOINTER_TO_INT(g_hash_table_lookup(state, cur)) == ON_PATH) {
            virDomainCheckpointObj *last = g_ptr_array_index(path, path->len - 1);

            VIR_WARN("checkpoint '%s' has a missing or cyclic parent '%s'",
                     last->def->name, last->def->parent_name);
            last->parent = NULL;
            broken = true;
        }
        for (p = 0; p < path->len; p++)
            g_hash_table_insert(state, g_ptr_array_index(path, p), GINT_TO_POINTER(DONE));
    }

    for (i = 0; i < list->objs->len; i++) {
        virDomainCheckpointObj *obj = g_ptr_array_index(list->objs, i);

        if (obj->parent)
            g_ptr_array_add(obj->parent->children, obj);
    }

    if (broken) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("inconsistent checkpoint relations"));
        return -1;
    }
    return 0;
}

/* After loading there is no record of the current checkpoint: take the
 * tip of the tree when it is unambiguous. */
void
virDomainCheckpointObjListSetCurrentLeaf(virDomainCheckpointObjList *list)
{
    virDomainCheckpointObj *leaf = NULL;
    size_t i;

    for (i = 0; i < list->objs->len; i++) {
        virDomainCheckpointObj *obj = g_ptr_array_index(list->objs, i);

        if (obj->children->len)
            continue;
        if (leaf) {
            list->current = NULL;
            return;
        }
        leaf = obj;
    }
    list->current = leaf;
}

/* The parent checks of a redefinition; see the header. */
int
virDomainCheckpointObjListRedefinePrep(virDomainCheckpointObjList *list,
                                       const virDomainCheckpointDef *def)
{
    virDomainCheckpointObj *parent;
    virDomainCheckpointObj *existing;

    if (!def->parent_name)
        return 0;

    if (g_str_equal(def->parent_name, def->name)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("checkpoint '%s' cannot be its own parent"),
                       def->name);
        return -1;
    }
    if (!(parent = virDomainCheckpointObjListFindByName(list,
                                                        def->parent_name))) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("parent '%s' of checkpoint '%s' not found"),
                       def->parent_name, def->name);
        return -1;
    }
    existing = virDomainCheckpointObjListFindByName(list, def->name);
    if (existing && virDomainCheckpointObjIsAncestor(existing, parent)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("parent '%s' of checkpoint '%s' would create a cycle"),
                       def->parent_name, def->name);
        return -1;
    }
    return 0;
}

/* Redefine: replace in place or add; see the header. */
virDomainCheckpointObj *
virDomainCheckpointObjListRedefine(virDomainCheckpointObjList *list,
                                   virDomainCheckpointDef **def)
{
    virDomainCheckpointObj *obj;
    virDomainCheckpointObj *parent;

    if (virDomainCheckpointObjListRedefinePrep(list, *def) < 0)
        return NULL;

    parent = virDomainCheckpointObjListFindByName(list, (*def)->parent_name);
    if ((obj = virDomainCheckpointObjListFindByName(list, (*def)->name))) {
        virDomainCheckpointDef *old = obj->def;

        obj->def = g_steal_pointer(def);
        /* the key is the name string of the definition: swap it too */
        g_hash_table_replace(list->byName, obj->def->name, obj);
        virDomainCheckpointDefFree(old);
        virDomainCheckpointObjUnlink(obj);
        virDomainCheckpointObjLink(obj, parent);
    } else if (!(obj = virDomainCheckpointObjListAdd(list, def))) {
        return NULL;
    }

    if (!list->current || (parent && list->current == parent))
        list->current = obj;
    return obj;
}

/* Drop obj from the index and the array (freeing it); links are the
 * caller's business. */
static void
virDomainCheckpointObjListDrop(virDomainCheckpointObjList *list,
                               virDomainCheckpointObj *obj)
{
    g_hash_table_remove(list->byName, obj->def->name);
    g_ptr_array_remove(list->objs, obj);
}

/* Remove one checkpoint, re-parenting its children; see the header. */
void
virDomainCheckpointObjListRemove(virDomainCheckpointObjList *list,
                                 virDomainCheckpointObj *obj)
{
    virDomainCheckpointObj *parent = obj->parent;
    size_t i;

    for (i = 0; i < obj->children->len; i++) {
        virDomainCheckpointObj *child = g_ptr_array_index(obj->children, i);

        g_free(child->def->parent_name);
        child->def->parent_name = parent ? g_strdup(parent->def->name) : NULL;
        virDomainCheckpointObjLink(child, parent);
    }
    g_ptr_array_set_size(obj->children, 0);
    virDomainCheckpointObjUnlink(obj);

    if (list->current == obj)
        list->current = parent;
    virDomainCheckpointObjListDrop(list, obj);
}

/* Append the descendants of obj to out, children after their parent. */
static void
virDomainCheckpointObjCollect(virDomainCheckpointObj *obj, GPtrArray *out)
{
    size_t i;

    for (i = 0; i < obj->children->len; i++) {
        virDomainCheckpointObj *child = g_ptr_array_index(obj->children, i);

        g_ptr_array_add(out, child);
        virDomainCheckpointObjCollect(child, out);
    }
}

/* Remove a subtree; see the header. */
void
virDomainCheckpointObjListRemoveSubtree(virDomainCheckpointObjList *list,
                                        virDomainCheckpointObj *obj,
                                        bool withSelf)
{
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    size_t i;

    virDomainCheckpointObjCollect(obj, gone);
    for (i = 0; i < gone->len; i++) {
        virDomainCheckpointObj *d = g_ptr_array_index(gone, i);

        if (list->current == d)
            list->current = obj;
        virDomainCheckpointObjListDrop(list, d);
    }
    g_ptr_array_set_size(obj->children, 0);

    if (withSelf)
        virDomainCheckpointObjListRemove(list, obj);
}

/* Whether obj passes the leaf filters of flags. */
static bool
virDomainCheckpointObjMatchLeaves(const virDomainCheckpointObj *obj,
                                  unsigned int flags)
{
    unsigned int leafFlags = flags & (VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES |
                                      VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES);
    bool leaf = obj->children->len == 0;

    /* asking for leaves and non-leaves is asking for everything */
    if (leafFlags == VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES)
        return leaf;
    if (leafFlags == VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES)
        return !leaf;
    return true;
}

/* List checkpoints; see the header. */
int
virDomainCheckpointObjListGetAll(virDomainCheckpointObjList *list,
                                 virDomainCheckpointObj *from,
                                 virDomainCheckpointObj ***objs,
                                 unsigned int flags)
{
    g_autoptr(GPtrArray) cand = g_ptr_array_new();
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    bool bit0 = !!(flags & VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS);
    bool topo = !!(flags & VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL);
    size_t i;

    if (objs)
        *objs = NULL;
    virCheckFlags(VIR_DOMAIN_CHECKPOINT_OBJLIST_ALL_FLAGS, -1);

    if (topo) {
        /* depth first from the roots (or from 'from'): parents first */
        if (from) {
            virDomainCheckpointObjCollect(from, cand);
        } else {
            for (i = 0; i < list->objs->len; i++) {
                virDomainCheckpointObj *obj = g_ptr_array_index(list->objs, i);

                if (obj->parent)
                    continue;
                g_ptr_array_add(cand, obj);
                virDomainCheckpointObjCollect(obj, cand);
            }
        }
    } else {
        for (i = 0; i < list->objs->len; i++)
            g_ptr_array_add(cand, g_ptr_array_index(list->objs, i));
    }

    for (i = 0; i < cand->len; i++) {
        virDomainCheckpointObj *obj = g_ptr_array_index(cand, i);

        if (from) {
            if (obj == from)
                continue;
            if (bit0 ? !virDomainCheckpointObjIsAncestor(from, obj)
                     : obj->parent != from)
                continue;
        } else if (bit0 && obj->parent) {
            continue;
        }
        if (!virDomainCheckpointObjMatchLeaves(obj, flags))
            continue;
        g_ptr_array_add(out, obj);
    }

    if (objs) {
        int n = out->len;

        g_ptr_array_add(out, NULL);
        *objs = (virDomainCheckpointObj **) g_ptr_array_free(
            g_steal_pointer(&out), FALSE);
        return n;
    }
    return out->len;
}

/* The names of GetAll's result. */
int
virDomainCheckpointObjListGetNames(virDomainCheckpointObjList *list,
                                   virDomainCheckpointObj *from,
                                   char ***names,
                                   unsigned int flags)
{
    g_autofree virDomainCheckpointObj **objs = NULL;
    int n;
    int i;

    if (names)
        *names = NULL;
    if ((n = virDomainCheckpointObjListGetAll(list, from, &objs, flags)) < 0)
        return -1;
    if (names) {
        *names = g_new0(char *, n + 1);
        for (i = 0; i < n; i++)
            (*names)[i] = g_strdup(objs[i]->def->name);
    }
    return n;
}
