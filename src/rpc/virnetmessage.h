/*
 * virnetmessage.h: libvirt's RPC message framing
 *
 * On the wire a message is a 4-byte big-endian length (counting itself),
 * a 24-byte header (program, version, procedure, type, serial, status,
 * each a 4-byte XDR integer) and an XDR body.  A reply with status ERROR
 * carries a virNetMessageError body instead of the procedure's result.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virxdr.h"
#include "libvirt/virterror.h"

/* Sizes: libvirt 9.0's own limits. */
#define VIR_NET_MESSAGE_LEN_MAX 4
#define VIR_NET_MESSAGE_HEADER_MAX 24
#define VIR_NET_MESSAGE_MAX (32 * 1024 * 1024)
/* Strings inside a message (domain XML, etc.). */
#define VIR_NET_MESSAGE_STRING_MAX (4 * 1024 * 1024)

typedef enum {
    VIR_NET_CALL = 0,
    VIR_NET_REPLY = 1,
    VIR_NET_MESSAGE = 2,           /* asynchronous: events, keepalive */
    VIR_NET_STREAM = 3,
    VIR_NET_CALL_WITH_FDS = 4,
    VIR_NET_REPLY_WITH_FDS = 5,
    VIR_NET_STREAM_HOLE = 6,

    VIR_NET_TYPE_LAST
} virNetMessageType;

typedef enum {
    VIR_NET_OK = 0,
    VIR_NET_ERROR = 1,
    VIR_NET_CONTINUE = 2,

    VIR_NET_STATUS_LAST
} virNetMessageStatus;

typedef struct _virNetMessageHeader virNetMessageHeader;
struct _virNetMessageHeader {
    unsigned int prog;
    unsigned int vers;
    int proc;
    int type;                      /* virNetMessageType */
    unsigned int serial;
    int status;                    /* virNetMessageStatus */
};

/* The keepalive program: PING asks, PONG answers; both are MESSAGEs
 * without body. */
#define KEEPALIVE_PROGRAM 0x6b656570
#define KEEPALIVE_PROTOCOL_VERSION 1
typedef enum {
    KEEPALIVE_PROC_PING = 1,
    KEEPALIVE_PROC_PONG = 2,
} virKeepAliveProcedure;

/* The body of an error reply (libvirt's remote_error). */
typedef struct {
    char *name;
    unsigned char uuid[VIR_XDR_UUID_LEN];
} virNetMessageErrorNetwork;

typedef struct {
    char *name;
    unsigned char uuid[VIR_XDR_UUID_LEN];
    int id;
} virNetMessageErrorDomain;

typedef struct _virNetMessageError virNetMessageError;
struct _virNetMessageError {
    int code;
    int domain;
    char *message;                 /* optional */
    int level;
    virNetMessageErrorDomain *dom; /* optional */
    char *str1;                    /* optional */
    char *str2;
    char *str3;
    int int1;
    int int2;
    virNetMessageErrorNetwork *net;   /* optional */
};

extern const virXDRType virNetMessageErrorType;

/* A whole message: header plus encoded body (what follows the header). */
typedef struct _virNetMessage virNetMessage;
struct _virNetMessage {
    virNetMessageHeader header;
    GByteArray *body;
};

virNetMessage *virNetMessageNew(void);
void virNetMessageFree(virNetMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetMessage, virNetMessageFree);

/* Read the length word of a message: returns the length of what follows
 * it (header + body), or -1 with VIR_ERR_RPC when it is out of bounds. */
int virNetMessageDecodeLength(const char buf[VIR_NET_MESSAGE_LEN_MAX],
                              size_t *rest);

/* Decode header + body from @len bytes (what followed the length word).
 * Returns a message or NULL with VIR_ERR_RPC. */
virNetMessage *virNetMessageDecode(const char *buf, size_t len);

/* The complete wire form: length word, header, body.  Returns NULL with
 * VIR_ERR_RPC when the message is larger than VIR_NET_MESSAGE_MAX. */
GByteArray *virNetMessageEncode(const virNetMessage *msg);

/* A message with @header and @body (of @type) encoded.  NULL with an
 * error when the body does not encode. */
virNetMessage *virNetMessageNewWithBody(const virNetMessageHeader *header,
                                        const virXDRType *type,
                                        const void *body);

/* Fill an error reply body from the calling thread's last error (or a
 * generic one when none was recorded). */
void virNetMessageErrorFromLast(virNetMessageError *err);

/* Report, in the calling thread, the error a peer sent. */
void virNetMessageErrorReport(const virNetMessageError *err);
