/*
 * workload.c: the write load of Fleece's test guest
 *
 * Runs inside the guest (linked statically, started by the guest's init)
 * and writes files into a directory one after the other, for ever:
 *
 *   for seq = 1, 2, ...:
 *     create DIR/fSEQ (8 digits), write SIZE bytes of pseudo-random data,
 *     fsync it and the directory;
 *     append "+ SHA256 fSEQ" to DIR/MANIFEST and fsync it;
 *     print "fleece-workload: write seq=SEQ t=T lat_us=L" on stdout.
 *
 * T is the guest's monotonic clock (seconds) when the write completed and
 * L how long the whole durable write took.  A write taking longer than
 * the stall threshold (a frozen file system blocks the writer) is also
 * reported as "resumed seq=SEQ stalled_ms=MS".  Beyond KEEP files the
 * oldest is dropped: "- fSEQ" is appended to the manifest (and synced)
 * before the file is removed, so that at any instant every file the
 * manifest lists with "+" and no later "-" is complete on disk.
 *
 * Usage: workload DIR [SIZE] [INTERVAL_MS] [KEEP]
 *        workload --stamp TEXT     print "TEXT t=T" (the same clock)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WORKLOAD_STALL_US 200000ULL
#define WORKLOAD_MANIFEST "MANIFEST"

/* ---- SHA-256 (FIPS 180-4) --------------------------------------------- */

typedef struct {
    uint32_t h[8];
    uint64_t len;
    unsigned char block[64];
    size_t fill;
} sha256;

static const uint32_t sha256k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void
sha256Block(sha256 *s, const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, h, t1, t2;
    int i;

    for (i = 0; i < 16; i++)
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 |
               (uint32_t) p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
               w[i - 7] + (ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10));
    a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
    e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
    for (i = 0; i < 64; i++) {
        t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
             sha256k[i] + w[i];
        t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g; g = f; f = e; e = d + t1;
        d = c; c = b; b = a; a = t1 + t2;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
    s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void
sha256Init(sha256 *s)
{
    static const uint32_t iv[8] = {
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    };

    memcpy(s->h, iv, sizeof(iv));
    s->len = 0;
    s->fill = 0;
}

static void
sha256Update(sha256 *s, const unsigned char *p, size_t n)
{
    s->len += n;
    while (n > 0) {
        size_t take = 64 - s->fill < n ? 64 - s->fill : n;

        memcpy(s->block + s->fill, p, take);
        s->fill += take;
        p += take;
        n -= take;
        if (s->fill == 64) {
            sha256Block(s, s->block);
            s->fill = 0;
        }
    }
}

static void
sha256Hex(sha256 *s, char out[65])
{
    uint64_t bits = s->len * 8;
    unsigned char pad = 0x80;
    unsigned char lenbuf[8];
    int i;

    sha256Update(s, &pad, 1);
    pad = 0;
    while (s->fill != 56)
        sha256Update(s, &pad, 1);
    for (i = 0; i < 8; i++)
        lenbuf[i] = bits >> (56 - 8 * i);
    sha256Update(s, lenbuf, 8);
    for (i = 0; i < 8; i++)
        sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ---- the load ---------------------------------------------------------- */

static uint64_t
nowUs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000ULL + ts.tv_nsec / 1000;
}

static void
stamp(const char *text)
{
    uint64_t t = nowUs();

    printf("%s t=%llu.%06llu\n", text, (unsigned long long) (t / 1000000),
           (unsigned long long) (t % 1000000));
    fflush(stdout);
}

static void
die(const char *what, const char *name)
{
    printf("fleece-workload: error: %s %s: %s\n", what, name, strerror(errno));
    fflush(stdout);
    exit(1);
}

static int
writeAll(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

/* The highest sequence number the manifest of a previous run names. */
static unsigned long
lastSeq(FILE *manifest, unsigned long *oldest)
{
    char line[256];
    unsigned long last = 0;
    unsigned long seq;

    *oldest = 0;
    rewind(manifest);
    while (fgets(line, sizeof(line), manifest)) {
        const char *f = strrchr(line, 'f');

        if (!f || sscanf(f, "f%lu", &seq) != 1)
            continue;
        if (line[0] == '+' && seq > last)
            last = seq;
        if (line[0] == '-' && seq >= *oldest)
            *oldest = seq + 1;
    }
    if (*oldest == 0)
        *oldest = 1;
    return last;
}

int
main(int argc, char **argv)
{
    const char *dir;
    size_t size = 65536;
    unsigned long interval_ms = 0;
    unsigned long keep = 256;
    unsigned long seq, oldest;
    uint64_t rng;
    unsigned char *buf;
    FILE *manifest;
    int dirfd, mfd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "--stamp") == 0) {
        stamp(argv[2]);
        return 0;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [SIZE] [INTERVAL_MS] [KEEP]\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    if (argc > 2)
        size = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        interval_ms = strtoul(argv[3], NULL, 10);
    if (argc > 4)
        keep = strtoul(argv[4], NULL, 10);
    if (size == 0 || keep == 0)
        return 2;

    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        die("mkdir", dir);
    if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
        die("open", dir);
    if ((mfd = openat(dirfd, WORKLOAD_MANIFEST, O_RDWR | O_CREAT | O_APPEND, 0644)) < 0 ||
        !(manifest = fdopen(mfd, "r")))
        die("open", WORKLOAD_MANIFEST);
    seq = lastSeq(manifest, &oldest);
    if (!(buf = malloc(size)))
        die("malloc", "buffer");
    rng = nowUs() ^ ((uint64_t) getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;

    printf("fleece-workload: start dir=%s size=%zu interval_ms=%lu keep=%lu first=%lu\n",
           dir, size, interval_ms, keep, seq + 1);
    for (;;) {
        char name[32], line[128], hex[65];
        uint64_t t0, t1;
        sha256 sum;
        size_t i;
        int fd;

        seq++;
        for (i = 0; i < size; i += 8) {
            uint64_t v;

            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            v = rng;
            memcpy(buf + i, &v, size - i < 8 ? size - i : 8);
        }
        sha256Init(&sum);
        sha256Update(&sum, buf, size);
        sha256Hex(&sum, hex);
        snprintf(name, sizeof(name), "f%08lu", seq);
        snprintf(line, sizeof(line), "+ %s %s\n", hex, name);

        t0 = nowUs();
        if ((fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
            die("create", name);
        if (writeAll(fd, buf, size) < 0 || fsync(fd) < 0)
            die("write", name);
        close(fd);
        if (fsync(dirfd) < 0)
            die("fsync", dir);
        if (writeAll(mfd, line, strlen(line)) < 0 || fsync(mfd) < 0)
            die("append", WORKLOAD_MANIFEST);
        t1 = nowUs();

        printf("fleece-workload: write seq=%lu t=%llu.%06llu lat_us=%llu\n", seq,
               (unsigned long long) (t1 / 1000000), (unsigned long long) (t1 % 1000000),
               (unsigned long long) (t1 - t0));
        if (t1 - t0 >= WORKLOAD_STALL_US)
            printf("fleece-workload: resumed seq=%lu stalled_ms=%llu\n", seq,
                   (unsigned long long) ((t1 - t0) / 1000));

        while (seq - oldest + 1 > keep) {
            snprintf(name, sizeof(name), "f%08lu", oldest);
            snprintf(line, sizeof(line), "- %s\n", name);
            if (writeAll(mfd, line, strlen(line)) < 0 || fsync(mfd) < 0)
                die("append", WORKLOAD_MANIFEST);
            if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
                die("unlink", name);
            oldest++;
        }
        if (interval_ms)
            usleep(interval_ms * 1000);
    }
    return 0;
}
