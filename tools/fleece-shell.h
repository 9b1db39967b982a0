/*
 * fleece-shell.h: the command engine of the fleece tool — option
 * definitions, argument parsing, help, output helpers shared by the
 * command groups
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define FLEECE_VERSION "0.1.0"
#define FLEECE_DEFAULT_URI "qemu:///embed"
#define FLEECE_MAX_XML_FILE (10 * 1024 * 1024)

/* The kinds of option a command accepts. */
typedef enum {
    FLEECE_OT_BOOL,    /* a flag: --name */
    FLEECE_OT_STRING,  /* --name VALUE */
    FLEECE_OT_INT,     /* --name NUMBER */
    FLEECE_OT_ARGV,    /* repeatable; positional words after the others */

    FLEECE_OT_LAST
} fleeceOptType;

typedef enum {
    FLEECE_OFLAG_REQ = 1 << 0,         /* must be given */
    FLEECE_OFLAG_POSITIONAL = 1 << 1,  /* may be given without its name */
} fleeceOptFlags;

typedef struct {
    const char *name;
    fleeceOptType type;
    unsigned int flags;
    const char *help;
} fleeceOptDef;

typedef struct _fleeceControl fleeceControl;
typedef struct _fleeceCmd fleeceCmd;

typedef bool (*fleeceCmdHandler)(fleeceControl *ctl, const fleeceCmd *cmd);

typedef enum {
    FLEECE_CMD_NOCONNECT = 1 << 0,     /* runs without a connection */
} fleeceCmdFlags;

typedef struct {
    const char *name;
    fleeceCmdHandler handler;
    const fleeceOptDef *opts;          /* ends with a NULL name */
    const char *help;                  /* one line */
    const char *desc;                  /* a paragraph */
    unsigned int flags;
} fleeceCmdDef;

typedef struct {
    const char *name;
    const char *keyword;
    const fleeceCmdDef *cmds;          /* ends with a NULL name */
} fleeceCmdGroup;

struct _fleeceControl {
    char *uri;
    bool quiet;
    bool readonly;
    bool interactive;
    bool quit;
    virConnectPtr conn;
};

/* One parsed command: its definition and the values given. */
struct _fleeceCmd {
    const fleeceCmdDef *def;
    char **values;                     /* one per option, NULL if unset */
    GPtrArray *argv;                   /* the FLEECE_OT_ARGV words */
};

void fleeceCmdFree(fleeceCmd *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fleeceCmd, fleeceCmdFree);

/* The command groups, defined in fleece-*.c. */
extern const fleeceCmdDef fleeceDomainCmds[];
extern const fleeceCmdDef fleeceMonitorCmds[];
extern const fleeceCmdDef fleeceJobCmds[];
extern const fleeceCmdDef fleeceCheckpointCmds[];
extern const fleeceCmdDef fleeceBackupCmds[];
extern const fleeceCmdDef fleeceSnapshotCmds[];
extern const fleeceCmdDef fleeceShellCmds[];

/* Engine. */
const fleeceCmdDef *fleeceCmdLookup(const char *name);
fleeceCmd *fleeceCmdParse(const char *const *words, size_t nwords);
bool fleeceCmdRun(fleeceControl *ctl, const fleeceCmd *cmd);
int fleeceRunWords(fleeceControl *ctl, char **words, size_t nwords);
int fleeceRunString(fleeceControl *ctl, const char *line);
char **fleeceSplitLine(const char *line, char **error);
bool fleeceCmdHelp(const char *name);
void fleeceHelpAll(void);

/* Options of a parsed command. */
bool fleeceOptBool(const fleeceCmd *cmd, const char *name);
const char *fleeceOptString(const fleeceCmd *cmd, const char *name);
int fleeceOptInt(const fleeceCmd *cmd, const char *name, int *value);
bool fleeceOptExclusive(const fleeceCmd *cmd, const char *a, const char *b);
bool fleeceOptRequires(const fleeceCmd *cmd, const char *opt, const char *needed);

/* Output. */
void fleecePrint(fleeceControl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void fleecePrintExtra(fleeceControl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void fleeceError(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
void fleeceReportError(void);

/* Helpers for commands. */
virConnectPtr fleeceConnect(fleeceControl *ctl);
virDomainPtr fleeceCommandOptDomain(fleeceControl *ctl, const fleeceCmd *cmd,
                                    const char *optname);
char *fleeceReadXMLFile(const char *path);
double fleecePrettyCapacity(unsigned long long val, const char **unit);

/* A table printed like virsh prints its tables. */
typedef struct _fleeceTable fleeceTable;
fleeceTable *fleeceTableNew(const char *first, ...) G_GNUC_NULL_TERMINATED;
void fleeceTableAddRow(fleeceTable *table, const char *first, ...) G_GNUC_NULL_TERMINATED;
char *fleeceTableFormat(const fleeceTable *table, bool quiet);
void fleeceTableFree(fleeceTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fleeceTable, fleeceTableFree);

/* The names of a listing, one a line, or with @parents (each item's
 * parent's name, NULL for a root) as a tree; then virsh's empty line. */
void fleecePrintNameList(fleeceControl *ctl, const char *const *names,
                         const char *const *parents, size_t n);

/* An ASCII tree: @parents[i] is the index of item i's parent, or -1. */
char *fleeceTreeFormat(const char *const *names, const int *parents, size_t n);
/* The same with each item's parent given by name (NULL: a root; a name
 * not among @names: a root too). */
char *fleeceTreeFormatNamed(const char *const *names, const char *const *parentNames,
                            size_t n);

/* domjobinfo's text from the job type and statistics. */
char *fleeceJobInfoFormat(int type, virTypedParameterPtr params, int nparams,
                          bool anystats);
const char *fleeceJobTypeToString(int type);

/* A progress bar (terminal) or line (log) for backup-begin --wait. */
char *fleeceProgressFormat(unsigned long long done, unsigned long long total,
                           double rate, bool bar);

/* Helpers for parsing small pieces out of an XML document. */
typedef struct {
    char *type;
    char *device;
    char *target;
    char *source;
} fleeceDiskInfo;

GPtrArray *fleeceXMLDisks(const char *xml);
char *fleeceXMLText(const char *xml, const char *path);
char *fleeceXMLRootAttr(const char *xml, const char *attr);

/* Domain states as virsh names them. */
const char *fleeceDomainStateToString(int state);
const char *fleeceDomainStateReasonToString(int state, int reason);
void fleecePrintXML(fleeceControl *ctl, const char *xml);

/* Ctrl-C. */
void fleeceSigintInstall(void);
bool fleeceSigintTake(void);
