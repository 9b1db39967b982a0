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
/* A case whose prerequisite is missing returns this, with the reason:
 * "ok N - title # SKIP why" (see testutils.h for the convention). */
#define TEST_API_SKIP 77
int testApiSkipBecause(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
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

/* The tests' domain (tests/data/testvm.xml: no OS, two qcow2 disks),
 * DISKDIR replaced, and type 'qemu' when KVM is not usable. */
char *testApiDomainXML(const char *diskdir);
/* libvirt 9.0's dumpxml of a plain VM from libvirt's corpus (an optional
 * oracle, see testcorpus.h), prepared the same way; NULL if absent. */
char *testApiCorpusDomainXML(const char *diskdir);
