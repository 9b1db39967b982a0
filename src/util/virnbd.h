/*
 * virnbd.h: a minimal NBD client that reads one block, to find out
 * whether an export still serves its data
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>

typedef enum {
    VIR_NBD_PROBE_READABLE = 0,    /* the read succeeded */
    VIR_NBD_PROBE_READ_FAILED,     /* the server answered the read with an error */
    VIR_NBD_PROBE_UNKNOWN,         /* no answer: cannot connect, TLS required,
                                    * no such export, protocol trouble */
} virNBDProbeResult;

/* Connect to an NBD server (unix socket path, or host and port when
 * socketPath is NULL), open export name without TLS and read len bytes
 * (at most 4096) at offset.  Never reports an error: the result says
 * what was learnt.  *err gets the server's error number for
 * VIR_NBD_PROBE_READ_FAILED (may be NULL). */
virNBDProbeResult virNBDProbeRead(const char *socketPath, const char *host,
                                  unsigned int port, const char *name,
                                  unsigned long long offset, unsigned int len,
                                  unsigned int timeoutMs, unsigned int *err);
