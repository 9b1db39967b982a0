/*
 * libvirt-host.h: connections to a hypervisor and typed parameters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_HOST_H
# define FLEECE_LIBVIRT_HOST_H

# include <libvirt/libvirt-common.h>

# ifdef __cplusplus
extern "C" {
# endif

/* Size of a binary UUID, and of its printed form with the final NUL
 * (36 characters + 1).  Spelled exactly as in src/util/viruuid.h so that
 * both can be included together. */
# define VIR_UUID_BUFLEN 16
# define VIR_UUID_STRING_BUFLEN 37

/* Flags recorded on a connection. */
typedef enum {
    VIR_CONNECT_RO = (1 << 0),         /* opened read-only */
    VIR_CONNECT_NO_ALIASES = (1 << 1), /* URI aliases are not looked up */
} virConnectFlags;

/* The type of the value held by a virTypedParameter. */
typedef enum {
    VIR_TYPED_PARAM_INT = 1,
    VIR_TYPED_PARAM_UINT = 2,
    VIR_TYPED_PARAM_LLONG = 3,
    VIR_TYPED_PARAM_ULLONG = 4,
    VIR_TYPED_PARAM_DOUBLE = 5,
    VIR_TYPED_PARAM_BOOLEAN = 6,
    VIR_TYPED_PARAM_STRING = 7,
# ifdef VIR_ENUM_SENTINELS
    VIR_TYPED_PARAM_LAST
# endif
} virTypedParameterType;

/* Flags of the APIs that take typed parameters. */
typedef enum {
    /* bits 0 and 1 belong to virDomainModificationImpact */
    VIR_TYPED_PARAM_STRING_OKAY = 1 << 2, /* the caller understands strings */
} virTypedParameterFlags;

/* Room for a parameter name, including the terminating NUL. */
# define VIR_TYPED_PARAM_FIELD_LENGTH 80

/* A named value of one of the virTypedParameterType types. */
typedef struct _virTypedParameter virTypedParameter;
struct _virTypedParameter {
    char field[VIR_TYPED_PARAM_FIELD_LENGTH]; /* the name */
    int type;                                 /* a virTypedParameterType */
    union {
        int i;                     /* VIR_TYPED_PARAM_INT */
        unsigned int ui;           /* VIR_TYPED_PARAM_UINT */
        long long int l;           /* VIR_TYPED_PARAM_LLONG */
        unsigned long long int ul; /* VIR_TYPED_PARAM_ULLONG */
        double d;                  /* VIR_TYPED_PARAM_DOUBLE */
        char b;                    /* VIR_TYPED_PARAM_BOOLEAN */
        char *s;                   /* VIR_TYPED_PARAM_STRING, never NULL */
    } value;
};
typedef virTypedParameter *virTypedParameterPtr;

/*
 * virTypedParamsGet:
 * @params: array of parameters
 * @nparams: number of entries in @params
 * @name: the parameter to look for
 *
 * Returns the first parameter called @name, or NULL if there is none
 * (no error is reported in that case).
 *
 * Since: 0.1.0
 */
virTypedParameterPtr virTypedParamsGet(virTypedParameterPtr params,
                                       int nparams,
                                       const char *name);

/*
 * virTypedParamsGetInt, ...GetUInt, ...GetLLong, ...GetULLong,
 * ...GetDouble, ...GetBoolean, ...GetString:
 * @params: array of parameters
 * @nparams: number of entries in @params
 * @name: the parameter to look for
 * @value: where the value is stored (strings are borrowed from @params)
 *
 * Returns 1 when the parameter was found and stored, 0 when it is absent
 * (@value untouched), -1 with VIR_ERR_INVALID_ARG when it has another
 * type or an argument is NULL.
 *
 * Since: 0.1.0
 */
int virTypedParamsGetInt(virTypedParameterPtr params, int nparams,
                         const char *name, int *value);
int virTypedParamsGetUInt(virTypedParameterPtr params, int nparams,
                          const char *name, unsigned int *value);
int virTypedParamsGetLLong(virTypedParameterPtr params, int nparams,
                           const char *name, long long *value);
int virTypedParamsGetULLong(virTypedParameterPtr params, int nparams,
                            const char *name, unsigned long long *value);
int virTypedParamsGetDouble(virTypedParameterPtr params, int nparams,
                            const char *name, double *value);
int virTypedParamsGetBoolean(virTypedParameterPtr params, int nparams,
                             const char *name, int *value);
int virTypedParamsGetString(virTypedParameterPtr params, int nparams,
                            const char *name, const char **value);

/*
 * virTypedParamsAddInt, ...AddUInt, ...AddLLong, ...AddULLong,
 * ...AddDouble, ...AddBoolean, ...AddString:
 * @params: pointer to the array, grown as needed (may point to NULL)
 * @nparams: pointer to the number of used entries, incremented
 * @maxparams: pointer to the allocated size of the array, updated
 * @name: name of the new parameter (shorter than
 *        VIR_TYPED_PARAM_FIELD_LENGTH)
 * @value: its value (strings are copied)
 *
 * Appends a parameter (a name already present is added again, as
 * libvirt does).  Returns 0, or -1 with VIR_ERR_INVALID_ARG when @name is
 * NULL or too long (the array is then unchanged).
 *
 * Since: 0.1.0
 */
int virTypedParamsAddInt(virTypedParameterPtr *params, int *nparams,
                         int *maxparams, const char *name, int value);
int virTypedParamsAddUInt(virTypedParameterPtr *params, int *nparams,
                          int *maxparams, const char *name,
                          unsigned int value);
int virTypedParamsAddLLong(virTypedParameterPtr *params, int *nparams,
                           int *maxparams, const char *name,
                           long long value);
int virTypedParamsAddULLong(virTypedParameterPtr *params, int *nparams,
                            int *maxparams, const char *name,
                            unsigned long long value);
int virTypedParamsAddDouble(virTypedParameterPtr *params, int *nparams,
                            int *maxparams, const char *name, double value);
int virTypedParamsAddBoolean(virTypedParameterPtr *params, int *nparams,
                             int *maxparams, const char *name, int value);
int virTypedParamsAddString(virTypedParameterPtr *params, int *nparams,
                            int *maxparams, const char *name,
                            const char *value);

/*
 * virTypedParamsClear:
 * @params: array of parameters (may be NULL)
 * @nparams: number of entries
 *
 * Frees the strings held by the parameters, not the array.
 *
 * Since: 0.1.0
 */
void virTypedParamsClear(virTypedParameterPtr params, int nparams);

/*
 * virTypedParamsFree:
 * @params: array of parameters (may be NULL)
 * @nparams: number of entries
 *
 * Frees the strings held by the parameters and the array itself.
 *
 * Since: 0.1.0
 */
void virTypedParamsFree(virTypedParameterPtr params, int nparams);

/*
 * virGetVersion:
 * @libVer: where the library version (major * 1000000 + minor * 1000 +
 *          micro of the libvirt API level followed) is stored
 * @type: ignored, for compatibility (may be NULL)
 * @typeVer: if not NULL, receives the same number
 *
 * Returns 0, or -1 with VIR_ERR_INVALID_ARG if @libVer is NULL.
 *
 * Since: 0.1.0
 */
int virGetVersion(unsigned long *libVer, const char *type,
                  unsigned long *typeVer);

/*
 * virInitialize:
 *
 * Prepares the library; calling it is optional, every entry point does
 * it when needed.  Returns 0 on success, -1 on failure.
 *
 * Since: 0.1.0
 */
int virInitialize(void);

/*
 * virConnectOpen:
 * @name: URI of the hypervisor, e.g. "qemu:///embed?root=/some/dir"
 *
 * Opens a read-write connection.  A URI that no registered driver
 * accepts fails with VIR_ERR_NO_CONNECT.
 *
 * Returns a new connection (close it with virConnectClose) or NULL.
 *
 * Since: 0.1.0
 */
virConnectPtr virConnectOpen(const char *name);

/*
 * virConnectOpenReadOnly:
 * @name: URI of the hypervisor
 *
 * As virConnectOpen, but every call that would change something fails
 * with VIR_ERR_OPERATION_DENIED.
 *
 * Since: 0.1.0
 */
virConnectPtr virConnectOpenReadOnly(const char *name);

/*
 * virConnectClose:
 * @conn: the connection
 *
 * Drops one reference; the connection is closed with the last one.
 *
 * Returns the number of references left (0 once closed), or -1 with
 * VIR_ERR_INVALID_CONN.
 *
 * Since: 0.1.0
 */
int virConnectClose(virConnectPtr conn);

/*
 * virConnectRef:
 * @conn: the connection
 *
 * Adds a reference, to be dropped with virConnectClose.
 *
 * Returns 0, or -1 with VIR_ERR_INVALID_CONN.
 *
 * Since: 0.1.0
 */
int virConnectRef(virConnectPtr conn);

/*
 * virConnectGetURI:
 * @conn: the connection
 *
 * Returns the URI the connection was opened with, to be freed by the
 * caller, or NULL on error.
 *
 * Since: 0.1.0
 */
char *virConnectGetURI(virConnectPtr conn);

/*
 * virConnectGetVersion:
 * @conn: the connection
 * @hvVer: where the hypervisor's version number is stored
 *
 * Returns 0, or -1 (VIR_ERR_INVALID_CONN, VIR_ERR_INVALID_ARG,
 * VIR_ERR_NO_SUPPORT, or a driver error).
 *
 * Since: 0.1.0
 */
int virConnectGetVersion(virConnectPtr conn, unsigned long *hvVer);

/*
 * virConnectGetLibVersion:
 * @conn: the connection
 * @libVer: where the library version is stored (see virGetVersion)
 *
 * Returns 0, or -1 (VIR_ERR_INVALID_CONN, VIR_ERR_INVALID_ARG).
 *
 * Since: 0.1.0
 */
int virConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer);

/*
 * virConnectGetHostname:
 * @conn: the connection
 *
 * Returns the host name of the hypervisor's machine, to be freed by the
 * caller, or NULL on error.
 *
 * Since: 0.1.0
 */
char *virConnectGetHostname(virConnectPtr conn);

/* Filters of virConnectListAllDomains; within each pair or group the
 * bits are alternatives, and no bit of a group means "all". */
typedef enum {
    VIR_CONNECT_LIST_DOMAINS_ACTIVE = 1 << 0,
    VIR_CONNECT_LIST_DOMAINS_INACTIVE = 1 << 1,
    VIR_CONNECT_LIST_DOMAINS_PERSISTENT = 1 << 2,
    VIR_CONNECT_LIST_DOMAINS_TRANSIENT = 1 << 3,
    VIR_CONNECT_LIST_DOMAINS_RUNNING = 1 << 4,
    VIR_CONNECT_LIST_DOMAINS_PAUSED = 1 << 5,
    VIR_CONNECT_LIST_DOMAINS_SHUTOFF = 1 << 6,
    VIR_CONNECT_LIST_DOMAINS_OTHER = 1 << 7,
    VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE = 1 << 8,
    VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE = 1 << 9,
    VIR_CONNECT_LIST_DOMAINS_AUTOSTART = 1 << 10,
    VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART = 1 << 11,
    VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT = 1 << 12,
    VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT = 1 << 13,
    VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT = 1 << 14,
    VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT = 1 << 15,
} virConnectListAllDomainsFlags;

/*
 * virConnectListAllDomains:
 * @conn: the connection
 * @domains: if not NULL, receives a NULL-terminated array of new domain
 *           handles; free each with virDomainFree, then the array with free()
 * @flags: bitwise-OR of virConnectListAllDomainsFlags
 *
 * Returns the number of matching domains, or -1 on error (then
 * *@domains is NULL).
 *
 * Since: 0.1.0
 */
int virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains,
                             unsigned int flags);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_HOST_H */
