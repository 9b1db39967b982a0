/*
 * testapiutils.h: helpers for tests that use only the public API
 *
 * Such tests link libfleece.so alone (not the internal static libraries,
 * whose second copy of the error state would disagree with the
 * library's), print TAP, and drive real QEMU and qemu tools.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* Fail the current case (return -1) with the location, the condition,
 * a message and the library's last error. */
#define CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            printf("# check failed at line %d: %s\n# ", __LINE__, #cond); \
            printf(__VA_ARGS__); \
            printf("\n# last error: %s\n", virGetLastErrorMessage()); \
            return -1; \
        } \
    } while (0)

/* Run one case and print its TAP line. */
void testApiRun(const char *title, int (*fn)(void));
/* Print the plan; the exit status of the program. */
int testApiFinish(void);
/* Called after each case (e.g. to end what a failed case left running). */
void testApiSetAfterEach(void (*fn)(void));

/* Run a program (searched in PATH); false, with its output as TAP
 * comments, if it cannot run or exits non-zero.  *out gets stdout. */
bool testApiRunCmd(const char *const *argv, char **out);

/* Alive while any thread of pid is (a zombie main thread may still have
 * running threads holding the process's files). */
bool testApiProcessAlive(pid_t pid);
bool testApiKVMUsable(void);

/* Remember a QEMU pid; testApiNoLeftovers (a case) kills and reports
 * every remembered one still running. */
void testApiTrackPid(pid_t pid);
int testApiNoLeftovers(void);

/* libvirt's own domain XML for a plain VM with two qcow2 disks
 * (compat/domains/libvirt-dumpxml-plain.xml), DISKDIR replaced, and
 * type 'qemu' when KVM is not usable.  NULL if the corpus is missing. */
char *testApiCompatDomainXML(const char *diskdir);
