/*
 * fbk.h: fleece-backup, the pull-mode backup client — shared declarations
 *
 * fleece-backup reads the disks of a running domain over NBD (libnbd)
 * during a pull backup begun through the public API of libfleece, and
 * keeps the points in a repository (docs/formatrepository.rst).  Files:
 *   fbk-main.c     command line, output (text, progress, --json)
 *   fbk-util.c     errors, atomic files, JSON helpers, digests
 *   fbk-repo.c     repository: layout, locks, point indexes, maps,
 *                  journal, chain resolution, orphans
 *   fbk-run.c      the run command: levels, auto, begin/end, commit,
 *                  checkpoints, recovery of an interrupted run
 *   fbk-nbd.c      reading a disk over several NBD connections
 *   fbk-restore.c  rebuilding a point (qcow2, raw, a shut-off disk)
 *   fbk-qcow2.c    a sequential qcow2 writer
 *   fbk-verify.c   list, verify, prune
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <glib.h>
#include <glib/gi18n.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#define FBK_VERSION "0.1.0"
#define FBK_DEFAULT_URI "qemu:///embed"

/* The repository's unit: data is stored, hashed and restored in blocks
 * of this size (the qcow2 cluster size and QEMU's default dirty-bitmap
 * granularity).  The last block of a disk may be shorter. */
#define FBK_BLOCK_SIZE 65536ULL
#define FBK_BLOCK_SHIFT 16

/* ---- errors (fbk-util.c) --------------------------------------------- */

#define FBK_ERROR fbkErrorQuark()
GQuark fbkErrorQuark(void);

typedef enum {
    FBK_ERROR_FAILED,        /* anything else */
    FBK_ERROR_USAGE,         /* bad command line */
    FBK_ERROR_INVALID,       /* bad input: names, points, options */
    FBK_ERROR_REPOSITORY,    /* the repository is damaged or not one */
    FBK_ERROR_BUSY,          /* another command holds the lock */
    FBK_ERROR_LIBVIRT,       /* the library reported an error */
    FBK_ERROR_NBD,           /* libnbd reported an error */
    FBK_ERROR_IO,            /* a system call failed */
    FBK_ERROR_CORRUPT,       /* verification found a difference */
    FBK_ERROR_INTERRUPTED,   /* SIGINT/SIGTERM */

    FBK_ERROR_LAST
} fbkErrorCode;

/* Set *error from the library's last error, prefixed with what failed. */
void fbkErrorLibvirt(GError **error, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Set *error from errno. */
void fbkErrorSystem(GError **error, int errnum, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Set by SIGINT/SIGTERM; long loops poll it. */
extern volatile int fbkInterrupted;
void fbkSignalsInstall(void);
bool fbkCheckInterrupted(GError **error);

/* ---- files and JSON (fbk-util.c) ---------------------------------------- */

/* Replace path with content atomically: PATH.new, fsync, rename, fsync
 * the directory. */
int fbkFileWriteAtomic(const char *path, const char *content, GError **error);
int fbkFsyncPath(const char *path, GError **error);
int fbkFsyncDir(const char *dir, GError **error);
int fbkPwriteAll(int fd, const void *buf, size_t len, guint64 off, GError **error);

/* A range of a file. */
typedef struct {
    guint64 offset;
    guint64 len;
} fbkRange;

/* Write-behind of a large file being written: ranges are handed to the
 * kernel's writeback as they come, and beyond a window in flight the
 * oldest are waited for and dropped from the page cache (Linux
 * sync_file_range). */
#define FBK_WRITE_BEHIND (4ULL << 20)           /* grouped up to this */
#define FBK_WRITE_BEHIND_WINDOW (32ULL << 20)   /* in flight, per writer */
typedef struct {
    int fd;
    int pending;
    guint64 offset;
    guint64 len;
    GArray *queue;          /* submitted ranges not yet waited for */
    guint64 queued;
} fbkWriteBehind;

void fbkWriteBehindInit(fbkWriteBehind *wb, int fd);
void fbkWriteBehindClear(fbkWriteBehind *wb);
void fbkWriteBehindAdd(fbkWriteBehind *wb, guint64 offset, guint64 len);
int fbkPreadAll(int fd, void *buf, size_t len, guint64 off, GError **error);
/* Remove a directory tree; errors ignored (clean-up). */
void fbkRemoveTree(const char *path);
/* A name that becomes a path component: not empty, < 256 bytes, no '/',
 * no leading '.', no control characters. */
bool fbkNameValid(const char *name);

json_object *fbkJSONParseFile(const char *path, GError **error);
const char *fbkJSONString(json_object *obj, const char *key);
gint64 fbkJSONInt(json_object *obj, const char *key, gint64 def);
bool fbkJSONBool(json_object *obj, const char *key);
char *fbkJSONFormat(json_object *obj);

/* ---- digests (fbk-util.c) ------------------------------------------------- */

/* A 128-bit digest: XXH3-128 of a block's bytes seeded with the block's
 * disk offset.  The digest of a disk is the sum (mod 2^128) of the
 * digests of its non-zero blocks; zero blocks count 0. */
typedef struct {
    guint64 lo;
    guint64 hi;
} fbkDigest;

fbkDigest fbkDigestBlock(const void *buf, size_t len, guint64 offset);
void fbkDigestAdd(fbkDigest *sum, fbkDigest d);
void fbkDigestSub(fbkDigest *sum, fbkDigest d);
bool fbkDigestEqual(fbkDigest a, fbkDigest b);
bool fbkDigestIsZero(fbkDigest d);
char *fbkDigestFormat(fbkDigest d);
bool fbkDigestParse(const char *s, fbkDigest *d);
bool fbkBufferIsZero(const void *buf, size_t len);

char *fbkFormatSize(guint64 bytes);
char *fbkFormatTime(gint64 unixSeconds);

/* ---- the repository (fbk-repo.c) ----------------------------------------- */

/* One stored block: where it is in the disk, where its bytes are in the
 * point's data file (FBK_DATA_ZERO: a block of zeros, no bytes stored),
 * and its digest.  On disk: 32 bytes, little-endian. */
#define FBK_DATA_ZERO G_MAXUINT64
typedef struct {
    guint64 offset;
    guint64 dataoff;
    fbkDigest digest;
} fbkRecord;

typedef enum {
    FBK_LEVEL_FULL,
    FBK_LEVEL_INC,
    FBK_LEVEL_DIFF,
    FBK_LEVEL_AUTO,     /* a request only; never stored */

    FBK_LEVEL_LAST
} fbkLevel;

const char *fbkLevelToString(fbkLevel level);
int fbkLevelFromString(const char *s);

/* One disk of a point, as its index records it. */
typedef struct {
    char *name;
    fbkLevel level;         /* FULL also after prune merged it */
    fbkLevel taken;         /* the level it was taken at */
    guint base;             /* the point it builds on (0: none) */
    char *since;            /* the checkpoint it was read since */
    char *reason;
    bool tracked;           /* part of the point's checkpoint */
    guint64 size;           /* virtual size */
    char *map;              /* file names relative to the domain dir */
    char *data;
    fbkDigest mapDigest;    /* digest of the whole map file */
    guint64 dataSize;
    guint64 nrecords;
    fbkDigest digest;       /* of the disk at this point */
    guint64 bytesRead;
    double seconds;
    GPtrArray *merged;      /* point numbers (as strings) prune merged in */
} fbkPointDisk;

typedef struct {
    guint number;
    char *domain;
    char *uuid;
    gint64 time;            /* when the backup began (unix seconds) */
    char *checkpoint;
    double seconds;
    GPtrArray *disks;       /* fbkPointDisk */
} fbkPoint;

void fbkPointDiskFree(fbkPointDisk *d);
void fbkPointFree(fbkPoint *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbkPoint, fbkPointFree);
fbkPointDisk *fbkPointFindDisk(const fbkPoint *p, const char *name);
json_object *fbkPointToJSON(const fbkPoint *p);

typedef struct {
    char *path;
    char *id;               /* 8 hex digits; names this repository's checkpoints */
} fbkRepo;

void fbkRepoFree(fbkRepo *repo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbkRepo, fbkRepoFree);
/* Open a repository; with create, make it when path does not exist or
 * is an empty directory. */
fbkRepo *fbkRepoOpen(const char *path, bool create, GError **error);
/* Domain names with a directory in the repository, sorted. */
GPtrArray *fbkRepoDomains(fbkRepo *repo, GError **error);

typedef enum {
    FBK_LOCK_NONE,          /* list: indexes are replaced atomically */
    FBK_LOCK_SHARED,        /* verify, restore */
    FBK_LOCK_EXCLUSIVE,     /* run, prune */
} fbkLockMode;

/* A domain's part of a repository, locked for the life of the object. */
typedef struct {
    fbkRepo *repo;
    char *name;
    char *dir;
    int lockfd;
    GPtrArray *points;      /* fbkPoint, ascending numbers */
} fbkDomainRepo;

void fbkDomainRepoFree(fbkDomainRepo *dr);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbkDomainRepo, fbkDomainRepoFree);
fbkDomainRepo *fbkDomainRepoOpen(fbkRepo *repo, const char *domain, bool create,
                                 fbkLockMode mode, GError **error);
/* (Re)load every point index. */
int fbkDomainRepoLoad(fbkDomainRepo *dr, GError **error);
fbkPoint *fbkDomainRepoFindPoint(fbkDomainRepo *dr, guint number);
fbkPoint *fbkDomainRepoLatest(fbkDomainRepo *dr);
/* Parse "N" or "latest". */
fbkPoint *fbkDomainRepoPointArg(fbkDomainRepo *dr, const char *arg, GError **error);
guint fbkDomainRepoNextNumber(fbkDomainRepo *dr);
char *fbkDomainRepoPath(fbkDomainRepo *dr, const char *relative);
char *fbkPointIndexPath(fbkDomainRepo *dr, guint number);
/* Write a point's index atomically: the commit of the point. */
int fbkDomainRepoWritePoint(fbkDomainRepo *dr, const fbkPoint *p, GError **error);
/* Remove a point's index (its files become orphans). */
int fbkDomainRepoRemovePoint(fbkDomainRepo *dr, guint number, GError **error);
/* Delete files of the disk directories that no index references
 * (left by an interrupted command); keep: relative names to spare. */
int fbkDomainRepoRemoveOrphans(fbkDomainRepo *dr, GPtrArray *keep, GError **error);
/* Relative names of files no index references. */
GPtrArray *fbkDomainRepoOrphans(fbkDomainRepo *dr, GError **error);

/* Map files: the records of one disk of one point, sorted by offset. */
int fbkMapWrite(const char *path, guint64 size, const fbkRecord *recs, size_t n,
                fbkDigest *fileDigest, GError **error);
GArray *fbkMapRead(const char *path, const fbkPointDisk *pd, GError **error);

/* The journal: what a changing command is about to do, written before
 * it does it (DOMAIN/journal.json). */
json_object *fbkJournalRead(fbkDomainRepo *dr, GError **error);
int fbkJournalWrite(fbkDomainRepo *dr, json_object *journal, GError **error);
int fbkJournalRemove(fbkDomainRepo *dr, GError **error);

/* The chain of one disk of a point: the point first, then its bases
 * down to a full one (fbkChainMember, owned).  Errors if a base is
 * missing. */
typedef struct {
    fbkPoint *point;
    fbkPointDisk *disk;
} fbkChainMember;

GPtrArray *fbkChainGet(fbkDomainRepo *dr, fbkPoint *p, const char *disk, GError **error);

/* A block of a resolved point: which chain member holds it. */
typedef struct {
    guint64 offset;
    guint64 dataoff;
    fbkDigest digest;
    guint member;           /* index into the chain */
} fbkResolved;

/* The effective content of a disk at a point: the non-zero blocks,
 * sorted, each from the newest chain member that has it. */
GArray *fbkResolve(fbkDomainRepo *dr, GPtrArray *chain, GError **error);
/* Overlay new records (sorted) on a resolved base (may be NULL). */
GArray *fbkResolveOverlay(GArray *base, const fbkRecord *recs, size_t n, guint member);
fbkDigest fbkResolvedDigest(GArray *resolved);

/* ---- reading a disk over NBD (fbk-nbd.c) ---------------------------------- */

/* Defaults of run: NBD connections per disk, the largest request,
 * requests in flight per connection. */
#define FBK_NBD_CONNECTIONS 4
#define FBK_NBD_REQUEST (256 * 1024)
#define FBK_NBD_DEPTH 16

typedef struct {
    guint64 done;           /* bytes processed so far (atomic) */
    guint64 total;          /* bytes to read */
} fbkProgressCounter;

typedef struct {
    const char *socket;     /* unix socket of the export */
    const char *tcpHost;    /* or host and port */
    const char *tcpPort;
    const char *exportName;
    const char *bitmap;     /* dirty bitmap context, NULL for full */
    int connections;
    size_t requestSize;
    int depth;              /* requests in flight per connection */
    guint64 rateLimit;      /* bytes per second, 0: none */
    int dataFd;             /* where the bytes go */
    fbkProgressCounter *progress;
} fbkNBDReadParams;

typedef struct {
    guint64 size;           /* the export's size */
    GArray *records;        /* fbkRecord, sorted by offset */
    guint64 dataSize;
    guint64 bytesRead;
} fbkNBDReadResult;

void fbkNBDReadResultClear(fbkNBDReadResult *res);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(fbkNBDReadResult, fbkNBDReadResultClear);
/* Find out the size of the export (one connection). */
int fbkNBDExportSize(const fbkNBDReadParams *params, guint64 *size, GError **error);
int fbkNBDRead(const fbkNBDReadParams *params, fbkNBDReadResult *res, GError **error);

/* ---- qcow2 writer (fbk-qcow2.c) ------------------------------------------ */

typedef struct _fbkQcow2Writer fbkQcow2Writer;
/* Write a new qcow2 image of size into fd (empty file). */
fbkQcow2Writer *fbkQcow2WriterNew(int fd, guint64 size);
/* Clusters in ascending order; offset cluster-aligned, len a multiple
 * of the cluster size or up to the end of the disk. */
int fbkQcow2WriterWrite(fbkQcow2Writer *w, guint64 offset, const void *buf,
                        size_t len, GError **error);
int fbkQcow2WriterFinish(fbkQcow2Writer *w, GError **error);
void fbkQcow2WriterFree(fbkQcow2Writer *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbkQcow2Writer, fbkQcow2WriterFree);

/* ---- output (fbk-main.c) --------------------------------------------------- */

typedef struct {
    char *uri;
    bool json;
    bool quiet;
    int progress;           /* FBK_PROGRESS_* */
} fbkOptions;

enum {
    FBK_PROGRESS_AUTO,
    FBK_PROGRESS_BAR,
    FBK_PROGRESS_LINES,
    FBK_PROGRESS_NONE,
};

extern fbkOptions fbkOpts;

/* Informational text on stdout (not with --json or -q). */
void fbkInfo(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* A warning on stderr (always). */
void fbkWarn(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Progress of one disk: a bar on a terminal, one line when it ends
 * otherwise. */
typedef struct _fbkProgress fbkProgress;
fbkProgress *fbkProgressStart(const char *label, fbkProgressCounter *counter);
void fbkProgressUpdate(fbkProgress *p);
void fbkProgressEnd(fbkProgress *p, const char *summary);

virConnectPtr fbkConnect(GError **error);

/* ---- commands ------------------------------------------------------------------ */

typedef struct {
    const char *repo;
    const char *domain;
    fbkLevel level;
    char **disks;           /* NULL: all */
    bool quiesce;
    const char *scratchDir;
    int connections;
    guint64 requestSize;
    int depth;
    guint64 rateLimit;
} fbkRunArgs;

int fbkCmdRun(const fbkRunArgs *args, json_object **result, GError **error);

typedef struct {
    const char *repo;
    const char *domain;
    const char *point;
    const char *disk;
    const char *to;
    const char *toDisk;
    const char *format;     /* qcow2 (default) or raw */
    bool force;
} fbkRestoreArgs;

int fbkCmdRestore(const fbkRestoreArgs *args, json_object **result, GError **error);
int fbkCmdList(const char *repo, const char *domain, json_object **result, GError **error);
int fbkCmdVerify(const char *repo, const char *domain, bool deep, json_object **result,
                 GError **error);
int fbkCmdPrune(const char *repo, const char *domain, guint keep, bool dryRun,
                json_object **result, GError **error);

/* Delete this repository's checkpoints of the domain that no chain
 * needs any more (connects; failures are warnings). */
void fbkCheckpointsCleanup(fbkDomainRepo *dr);

/* Recovery of an interrupted command from the domain's journal; conn
 * may be NULL when the journal needs none (or to defer). */
int fbkRecover(fbkDomainRepo *dr, virConnectPtr conn, GError **error);

/* A point's disk rebuilt block by block, for restore and verify --deep:
 * fn gets every non-zero block's bytes in ascending order (after the
 * stored digest was checked). */
typedef int (*fbkBlockSink)(void *opaque, guint64 offset, const void *buf, size_t len,
                            GError **error);
int fbkRebuild(fbkDomainRepo *dr, fbkPoint *p, const char *disk, fbkBlockSink sink,
               void *opaque, fbkProgressCounter *progress, GError **error);
