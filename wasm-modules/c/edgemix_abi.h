/*
 * edgemix WASM module ABI, version 1 (wasm-modules/ABI.md), for C modules built with
 * clang for wasm32: freestanding (`--target=wasm32 -nostdlib`, no imports at all) or
 * WASI (`--target=wasm32-wasi`, wasi-libc).
 *
 * A module defines the seven functions declared below (the attributes here give them
 * their export names) and uses the helpers for the buffer protocol and for reading a flat
 * JSON configuration. Every helper is `static inline`: include this header in one file.
 *
 *   freestanding: clang --target=wasm32 -nostdlib -ffreestanding -mbulk-memory -O2 \
 *                   -DEDGEMIX_HEAP -Wl,--no-entry -o m.wasm m.c
 *   WASI:         clang --target=wasm32-wasi -mbulk-memory -O2 -nostartfiles \
 *                   -Wl,--no-entry -o m.wasip1.wasm m.c
 *
 * With -DEDGEMIX_HEAP the header also provides a small allocator over `memory.grow`
 * (edgemix_heap_alloc / edgemix_heap_free) for modules without a libc; a WASI module
 * uses malloc and free.
 */
#ifndef EDGEMIX_ABI_H
#define EDGEMIX_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return codes (ABI.md, "Return codes"). */
#define EDGEMIX_OK 0
#define EDGEMIX_FAILED (-1)
#define EDGEMIX_BUFFER_TOO_SMALL (-2)
#define EDGEMIX_INVALID_INPUT (-3)
#define EDGEMIX_INVALID_CONFIG (-4)
#define EDGEMIX_NOT_INITIALIZED (-5)
#define EDGEMIX_REMOTE_UNAVAILABLE (-6)
#define EDGEMIX_REMOTE_FAILED (-7)
#define EDGEMIX_REMOTE_DENIED (-8)
#define EDGEMIX_REMOTE_TIMEOUT (-9)

#define EDGEMIX_EXPORT(name) __attribute__((export_name(#name), visibility("default")))

/* The exports. `alloc` returns 0 when it cannot; `initialize` gets a NUL-terminated
 * UTF-8 session id; `process` and `describe` answer through the buffer protocol
 * (edgemix_deliver). `configure` is optional in the ABI but declared here: a module
 * without settings accepts only an empty object (edgemix_config_is_empty). */
EDGEMIX_EXPORT(alloc) void *edgemix_alloc(int32_t len);
EDGEMIX_EXPORT(dealloc) void edgemix_dealloc(void *ptr, int32_t len);
EDGEMIX_EXPORT(initialize) int32_t edgemix_initialize(const char *session_id);
EDGEMIX_EXPORT(configure) int32_t edgemix_configure(const char *json, int32_t json_len);
EDGEMIX_EXPORT(process) int32_t edgemix_process(const uint8_t *data, int32_t data_len, uint8_t *result, uint32_t *result_len);
EDGEMIX_EXPORT(cleanup) int32_t edgemix_cleanup(void);
EDGEMIX_EXPORT(describe) int32_t edgemix_describe(uint8_t *result, uint32_t *result_len);

/* The optional import: calls the cloud service `name` with the buffer protocol for its
 * answer (ABI.md, "Import"). Only modules that call it import it. */
__attribute__((import_module("env"), import_name("call_remote_service")))
int32_t edgemix_call_remote_service(const char *name, int32_t name_len, const uint8_t *data, int32_t data_len,
                                    uint8_t *result, uint32_t *result_len);

/* Bytes of linear memory now. */
static inline uint64_t edgemix_memory_bytes(void) {
    return (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
}

/* `ptr..ptr + len` lies inside linear memory (and is not at 0 unless empty): check every
 * pointer the host passes, so that a bad one is an error code instead of a trap. */
static inline bool edgemix_in_memory(const void *ptr, int64_t len) {
    if (len < 0) return false;
    if (len == 0) return true;
    uintptr_t at = (uintptr_t)ptr;
    return at != 0 && (uint64_t)at + (uint64_t)len <= edgemix_memory_bytes();
}

/* The buffer protocol's answer: copies `len` bytes of `data` to `result` when the
 * capacity stored at `result_len` allows it and returns EDGEMIX_OK; otherwise stores the
 * length needed and returns EDGEMIX_BUFFER_TOO_SMALL (nothing written). */
static inline int32_t edgemix_deliver(const void *data, uint32_t len, uint8_t *result, uint32_t *result_len) {
    if (!edgemix_in_memory(result_len, 4)) return EDGEMIX_FAILED;
    uint32_t capacity;
    __builtin_memcpy(&capacity, result_len, 4);
    if (len > capacity) {
        __builtin_memcpy(result_len, &len, 4);
        return EDGEMIX_BUFFER_TOO_SMALL;
    }
    if (!edgemix_in_memory(result, len)) return EDGEMIX_FAILED;
    __builtin_memmove(result, data, len);
    __builtin_memcpy(result_len, &len, 4);
    return EDGEMIX_OK;
}

/* `len` bytes at `a` and `b` are equal (no libc needed). */
static inline bool edgemix_bytes_equal(const uint8_t *a, const uint8_t *b, uint32_t len) {
    for (uint32_t i = 0; i < len; i++) {
        if (a[i] != b[i]) return false;
    }
    return true;
}

/* A little-endian float32 of an f32 input (any alignment). */
static inline float edgemix_f32_at(const uint8_t *data, uint32_t index) {
    float value;
    __builtin_memcpy(&value, data + 4u * index, 4);
    return value;
}

static inline void edgemix_put_f32(uint8_t *out, uint32_t index, float value) {
    __builtin_memcpy(out + 4u * index, &value, 4);
}

/* ---- A flat JSON configuration: {"key": scalar, ...} ------------------------------ */

/* A JSON scalar. Strings point into the document, escapes left as they are. */
typedef struct {
    enum { EDGEMIX_JSON_NUMBER, EDGEMIX_JSON_STRING, EDGEMIX_JSON_TRUE, EDGEMIX_JSON_FALSE, EDGEMIX_JSON_NULL } kind;
    double number;
    const char *text;
    int32_t text_len;
} edgemix_json_value;

typedef struct {
    const char *at;
    const char *end;
    int state; /* 0 before '{', 1 after '{' or ',', 2 after a member, 3 done */
} edgemix_json_reader;

static inline void edgemix_json_space(edgemix_json_reader *r) {
    while (r->at < r->end && (*r->at == ' ' || *r->at == '\t' || *r->at == '\n' || *r->at == '\r')) r->at++;
}

/* JSON's number grammar. The value is correctly rounded on Clinger's fast path (at most
 * 15 significant digits, a decimal exponent within ±22: one rounding of exact operands);
 * a number beyond it is refused rather than approximated. */
static inline bool edgemix_json_number(edgemix_json_reader *r, double *out) {
    static const double powers[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    bool negative = r->at < r->end && *r->at == '-';
    if (negative) r->at++;
    uint64_t mantissa = 0;
    int significant = 0, exponent = 0;
    bool fraction = false, integer = true;
    if (r->at < r->end && *r->at == '0') {
        r->at++;
        integer = false;
    } else if (!(r->at < r->end && *r->at >= '1' && *r->at <= '9')) {
        return false;
    }
    for (;;) {
        if (r->at < r->end && *r->at >= '0' && *r->at <= '9' && (integer || fraction)) {
            unsigned digit = (unsigned)(*r->at++ - '0');
            if (mantissa != 0 || digit != 0) {
                if (++significant > 15) return false;
                mantissa = mantissa * 10u + digit;
            }
            if (fraction) exponent--;
        } else if (!fraction && r->at < r->end && *r->at == '.') {
            r->at++;
            if (!(r->at < r->end && *r->at >= '0' && *r->at <= '9')) return false;
            fraction = true;
            integer = false;
        } else {
            break;
        }
    }
    if (r->at < r->end && (*r->at == 'e' || *r->at == 'E')) {
        r->at++;
        bool minus = r->at < r->end && *r->at == '-';
        if (r->at < r->end && (*r->at == '-' || *r->at == '+')) r->at++;
        const char *start = r->at;
        int e = 0;
        while (r->at < r->end && *r->at >= '0' && *r->at <= '9') {
            if (e < 10000) e = e * 10 + (*r->at - '0');
            r->at++;
        }
        if (r->at == start) return false;
        exponent += minus ? -e : e;
    }
    double value = (double)mantissa;
    if (mantissa != 0) {
        if (exponent > 22 || exponent < -22) return false;
        value = exponent >= 0 ? value * powers[exponent] : value / powers[-exponent];
    }
    *out = negative ? -value : value;
    return true;
}

static inline bool edgemix_json_string(edgemix_json_reader *r, const char **text, int32_t *len) {
    if (r->at >= r->end || *r->at != '"') return false;
    const char *start = ++r->at;
    while (r->at < r->end && *r->at != '"') {
        if ((unsigned char)*r->at < 0x20) return false;
        if (*r->at == '\\') r->at++;
        r->at++;
    }
    if (r->at >= r->end) return false;
    *text = start;
    *len = (int32_t)(r->at - start);
    r->at++;
    return true;
}

static inline bool edgemix_json_word(edgemix_json_reader *r, const char *word) {
    const char *at = r->at;
    for (; *word; word++, at++) {
        if (at >= r->end || *at != *word) return false;
    }
    r->at = at;
    return true;
}

static inline edgemix_json_reader edgemix_json_open(const char *json, int32_t len) {
    edgemix_json_reader r = {json, json + len, 0};
    return r;
}

/* The next member of the object: 1 with its key and value, 0 at the end of a well-formed
 * object (an empty document counts as {}), -1 when the document is not a flat JSON
 * object of scalars. */
static inline int edgemix_json_next(edgemix_json_reader *r, const char **key, int32_t *key_len,
                                    edgemix_json_value *value) {
    edgemix_json_space(r);
    if (r->state == 0) {
        if (r->at == r->end) {
            r->state = 3;
            return 0;
        }
        if (*r->at != '{') return -1;
        r->at++;
        edgemix_json_space(r);
        if (r->at < r->end && *r->at == '}') {
            r->at++;
            r->state = 3;
            edgemix_json_space(r);
            return r->at == r->end ? 0 : -1;
        }
        r->state = 1;
    } else if (r->state == 2) {
        if (r->at < r->end && *r->at == ',') {
            r->at++;
            edgemix_json_space(r);
        } else if (r->at < r->end && *r->at == '}') {
            r->at++;
            r->state = 3;
            edgemix_json_space(r);
            return r->at == r->end ? 0 : -1;
        } else {
            return -1;
        }
    } else if (r->state == 3) {
        return 0;
    }
    if (!edgemix_json_string(r, key, key_len)) return -1;
    edgemix_json_space(r);
    if (r->at >= r->end || *r->at != ':') return -1;
    r->at++;
    edgemix_json_space(r);
    if (r->at < r->end && *r->at == '"') {
        value->kind = EDGEMIX_JSON_STRING;
        if (!edgemix_json_string(r, &value->text, &value->text_len)) return -1;
    } else if (edgemix_json_word(r, "true")) {
        value->kind = EDGEMIX_JSON_TRUE;
    } else if (edgemix_json_word(r, "false")) {
        value->kind = EDGEMIX_JSON_FALSE;
    } else if (edgemix_json_word(r, "null")) {
        value->kind = EDGEMIX_JSON_NULL;
    } else {
        value->kind = EDGEMIX_JSON_NUMBER;
        if (!edgemix_json_number(r, &value->number)) return -1;
    }
    r->state = 2;
    return 1;
}

/* `key` (as read by edgemix_json_next, without escapes) equals `name`. */
static inline bool edgemix_json_key_is(const char *key, int32_t key_len, const char *name) {
    int32_t i = 0;
    for (; i < key_len; i++) {
        if (name[i] == 0 || name[i] != key[i]) return false;
    }
    return name[i] == 0;
}

/* An empty document or an empty object: what a module without settings accepts. */
static inline bool edgemix_config_is_empty(const char *json, int32_t len) {
    edgemix_json_reader r = edgemix_json_open(json, len);
    const char *key;
    int32_t key_len;
    edgemix_json_value value;
    return edgemix_json_next(&r, &key, &key_len, &value) == 0;
}

/* ---- A heap for modules without a libc (-DEDGEMIX_HEAP) --------------------------- */
#ifdef EDGEMIX_HEAP

/* Power-of-two size classes from 16 bytes to 2 GiB, each with a free list; fresh blocks
 * come from the end of the heap, which grows by `memory.grow`. Freed blocks are reused
 * for the same class. Alignment 16. */
extern unsigned char __heap_base;

static uintptr_t edgemix_heap_top;
static void *edgemix_heap_free_lists[28];

static inline int edgemix_heap_class(uint32_t len) {
    int k = 0;
    while (((uint64_t)16 << k) < (uint64_t)len) k++;
    return k;
}

static inline void *edgemix_heap_alloc(uint32_t len) {
    int k = edgemix_heap_class(len == 0 ? 1 : len);
    if (k >= 28) return 0;
    void *block = edgemix_heap_free_lists[k];
    if (block) {
        edgemix_heap_free_lists[k] = *(void **)block;
        return block;
    }
    if (edgemix_heap_top == 0) edgemix_heap_top = ((uintptr_t)&__heap_base + 15u) & ~(uintptr_t)15u;
    uint64_t size = (uint64_t)16 << k;
    uint64_t end = (uint64_t)edgemix_heap_top + size;
    if (end > 0xffffffffu) return 0;
    if (end > edgemix_memory_bytes()) {
        uint64_t pages = (end - edgemix_memory_bytes() + 65535u) / 65536u;
        if (__builtin_wasm_memory_grow(0, (uintptr_t)pages) == (uintptr_t)-1) return 0;
    }
    block = (void *)edgemix_heap_top;
    edgemix_heap_top = (uintptr_t)end;
    return block;
}

static inline void edgemix_heap_free(void *ptr, uint32_t len) {
    if (!ptr) return;
    int k = edgemix_heap_class(len == 0 ? 1 : len);
    *(void **)ptr = edgemix_heap_free_lists[k];
    edgemix_heap_free_lists[k] = ptr;
}

#endif /* EDGEMIX_HEAP */

#endif /* EDGEMIX_ABI_H */
