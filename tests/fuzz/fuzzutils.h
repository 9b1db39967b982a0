/*
 * fuzzutils.h: what the libFuzzer targets share
 *
 * Each target is one program built with -fsanitize=fuzzer (meson
 * -Dfuzz=true, clang only) defining LLVMFuzzerTestOneInput; scripts/fuzz
 * runs them on a seed corpus made from the tests' data.  A target checks
 * more than "does not crash": what a parser accepts must format, and the
 * formatted text must parse back to the same text (FUZZ_CHECK aborts, so
 * libFuzzer reports the input as a finding).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

/* The input as a NUL-terminated string; NULL when it holds a NUL byte
 * (the parsers take C strings: such an input cannot reach them). */
char *fuzzInputString(const uint8_t *data, size_t size);

/* Once per process: schemas from the source tree, no logging. */
void fuzzInit(void);

#define FUZZ_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "fuzz check failed at %s:%d: %s\n", \
                    __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__); \
            fprintf(stderr, "\n"); \
            abort(); \
        } \
    } while (0)
