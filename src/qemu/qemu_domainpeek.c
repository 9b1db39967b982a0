/*
 * qemu_domainpeek.c: what the files under a root say about each domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <sys/stat.h>

#include "qemu_domainpeek.h"
#include "libvirt/libvirt-domain.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"
#include "viruuid.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

#define QEMU_DOMAIN_PEEK_FILE_MAX (16 * 1024 * 1024)

void
qemuDomainPeekFree(qemuDomainPeek *peek)
{
    if (!peek)
        return;
    g_free(peek->name);
    g_free(peek);
}

/* Parse @path and return the UUID found at @xpath (and the document's
 * context for more, when @ctxtp is given). */
static xmlDocPtr
qemuDomainPeekParse(const char *path, const char *root, xmlXPathContextPtr *ctxtp)
{
    g_autofree char *xml = NULL;

    if (virFileReadAll(path, QEMU_DOMAIN_PEEK_FILE_MAX, &xml) < 0)
        return NULL;
    return virXMLParseString(xml, path, root, ctxtp);
}

static int
qemuDomainPeekUUID(xmlXPathContextPtr ctxt, const char *xpath, unsigned char *uuid)
{
    g_autofree char *str = virXPathString(xpath, ctxt);

    return str && virUUIDParse(str, uuid) == 0 ? 0 : -1;
}

static unsigned long long
qemuDomainPeekAttr(xmlNodePtr node, const char *name, unsigned long long def)
{
    unsigned long long v;

    return virXMLPropULongLong(node, name, &v) > 0 ? v : def;
}

bool
qemuDomainPeekAlive(const qemuDomainPeek *peek)
{
    virProcessIdentity ident = { .pid = peek->pid, .starttime = peek->starttime };

    return peek->active && peek->pid > 0 && virProcessIdentityMatches(peek->pid, &ident);
}

static qemuDomainPeek *
qemuDomainPeekOne(qemuDriver *driver, const char *name)
{
    g_autofree char *cfg = qemuDriverConfigPath(driver, name);
    g_autofree char *status = qemuDriverStatusPath(driver, name);
    g_autoptr(qemuDomainPeek) peek = g_new0(qemuDomainPeek, 1);
    bool haveUUID = false;
    struct stat sb;

    peek->name = g_strdup(name);
    peek->id = -1;
    peek->state = VIR_DOMAIN_SHUTOFF;

    if (stat(cfg, &sb) == 0) {
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlXPathContext) ctxt = NULL;

        peek->persistent = true;
        peek->configStamp = (guint64) sb.st_ino * 1000003u ^
                            (guint64) sb.st_mtim.tv_sec * 1000000000u ^
                            (guint64) sb.st_mtim.tv_nsec ^ (guint64) sb.st_size << 40;
        if ((doc = qemuDomainPeekParse(cfg, "domain", &ctxt)) &&
            qemuDomainPeekUUID(ctxt, "string(/domain/uuid)", peek->uuid) == 0)
            haveUUID = true;
    }
    if (virFileExists(status)) {
        g_autoptr(xmlDoc) doc = NULL;
        g_autoptr(xmlXPathContext) ctxt = NULL;
        g_autofree char *active = NULL;
        g_autofree char *persistent = NULL;

        if (!(doc = qemuDomainPeekParse(status, "domstatus", &ctxt)))
            return NULL;
        active = virXMLPropString(ctxt->node, "active");
        persistent = virXMLPropString(ctxt->node, "persistent");
        peek->active = active && g_str_equal(active, "yes");
        peek->persistent |= persistent && g_str_equal(persistent, "yes");
        peek->state = qemuDomainPeekAttr(ctxt->node, "state", peek->state);
        peek->reason = qemuDomainPeekAttr(ctxt->node, "reason", 0);
        if (peek->active) {
            peek->id = qemuDomainPeekAttr(ctxt->node, "id", -1);
            peek->pid = qemuDomainPeekAttr(ctxt->node, "pid", 0);
            peek->starttime = qemuDomainPeekAttr(ctxt->node, "starttime", 0);
            peek->alive = qemuDomainPeekAlive(peek);
            if (qemuDomainPeekUUID(ctxt, "string(/domstatus/domain/uuid)", peek->uuid) == 0)
                haveUUID = true;
        }
    } else if (!peek->persistent) {
        return NULL;                    /* gone meanwhile */
    }
    if (!haveUUID)
        return NULL;                    /* being written: next time */
    return g_steal_pointer(&peek);
}

GHashTable *
qemuDomainPeekAll(qemuDriver *driver)
{
    GHashTable *all = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) qemuDomainPeekFree);
    g_auto(GStrv) names = qemuDriverListDomainNames(driver);
    size_t i;

    for (i = 0; names[i]; i++) {
        qemuDomainPeek *peek = qemuDomainPeekOne(driver, names[i]);

        if (peek)
            g_hash_table_insert(all, peek->name, peek);
    }
    virResetLastError();
    return all;
}
