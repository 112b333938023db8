/*
 * c_gate: a noise gate with hold, in C against edgemix_abi.h. f32 samples in and out.
 *
 * Per sample: when |x| >= threshold the gate opens for `holdSamples` more samples;
 * while open the sample passes unchanged, while closed it is multiplied by `floor`
 * (float32 arithmetic). The hold counter carries across calls of a session.
 *
 * Configuration (flat JSON, all optional):
 *   threshold    opening level, linear amplitude, 0 to 1 (default 0.01)
 *   floor        gain while closed, linear, 0 to 1 (default 0)
 *   holdSamples  samples the gate stays open after the last sample at or above the
 *                threshold, whole number 0 to 1000000 (default 480: 10 ms at 48 kHz)
 * Anything else is INVALID_CONFIG.
 *
 * Built twice by scripts/build-c.mjs: freestanding (c_gate.wasm: no libc, the header's
 * heap, no imports) and WASI (c_gate.wasip1.wasm: wasi-libc's malloc; refusals are
 * explained on stderr, which the host captures).
 */
#include "edgemix_abi.h"

#ifdef __wasi__
#include <stdio.h>
#include <stdlib.h>
#define HEAP_ALLOC(len) malloc(len)
#define HEAP_FREE(ptr, len) free(ptr)
#define EXPLAIN(...) fprintf(stderr, __VA_ARGS__)
/* wasi-libc's constructors; the host calls `initialize`, not a reactor's `_initialize`. */
extern void __wasm_call_ctors(void);
#else
#define HEAP_ALLOC(len) edgemix_heap_alloc(len)
#define HEAP_FREE(ptr, len) edgemix_heap_free(ptr, len)
#define EXPLAIN(...) ((void)0)
#endif

static const char DESCRIBE[] =
    "{\"name\":\"c_gate\",\"version\":\"0.1.0\",\"abi\":1,\"input\":\"f32\",\"output\":\"f32\","
    "\"description\":\"Noise gate with hold (C): f32 samples in and out\"}";

/* A byte buffer from the heap that only grows. */
typedef struct {
    uint8_t *data;
    uint32_t len;
    uint32_t capacity;
} buffer;

static bool reserve(buffer *b, uint32_t len) {
    if (len <= b->capacity) return true;
    uint8_t *grown = HEAP_ALLOC(len);
    if (!grown) return false;
    HEAP_FREE(b->data, b->capacity);
    b->data = grown;
    b->capacity = len;
    return true;
}

static struct {
    bool initialized;
    float threshold;
    float floor;
    uint32_t hold;
    uint32_t remaining;
    /* The buffer protocol's retry: the output of the last process() that got
     * BUFFER_TOO_SMALL and a copy of its input. */
    buffer output;
    buffer kept_input;
    bool pending;
} gate;

void *edgemix_alloc(int32_t len) {
    return len < 0 ? 0 : HEAP_ALLOC((uint32_t)len);
}

void edgemix_dealloc(void *ptr, int32_t len) {
    if (len >= 0) HEAP_FREE(ptr, (uint32_t)len);
}

int32_t edgemix_initialize(const char *session_id) {
#ifdef __wasi__
    static bool constructed;
    if (!constructed) {
        __wasm_call_ctors();
        constructed = true;
    }
#endif
    if (!edgemix_in_memory(session_id, 1)) return EDGEMIX_FAILED;
    gate.initialized = true;
    gate.threshold = 0.01f;
    gate.floor = 0.0f;
    gate.hold = 480;
    gate.remaining = 0;
    gate.pending = false;
    return EDGEMIX_OK;
}

int32_t edgemix_configure(const char *json, int32_t json_len) {
    if (!gate.initialized) return EDGEMIX_NOT_INITIALIZED;
    if (!edgemix_in_memory(json, json_len)) return EDGEMIX_FAILED;
    float threshold = 0.01f, floor = 0.0f;
    uint32_t hold = 480;
    edgemix_json_reader reader = edgemix_json_open(json, json_len);
    const char *key;
    int32_t key_len;
    edgemix_json_value value;
    int next;
    while ((next = edgemix_json_next(&reader, &key, &key_len, &value)) == 1) {
        double x = value.number;
        bool number = value.kind == EDGEMIX_JSON_NUMBER;
        if (edgemix_json_key_is(key, key_len, "threshold") && number && x >= 0 && x <= 1) {
            threshold = (float)x;
        } else if (edgemix_json_key_is(key, key_len, "floor") && number && x >= 0 && x <= 1) {
            floor = (float)x;
        } else if (edgemix_json_key_is(key, key_len, "holdSamples") && number && x >= 0 && x <= 1000000 &&
                   x == (double)(uint32_t)x) {
            hold = (uint32_t)x;
        } else {
            EXPLAIN("c_gate: refused setting %.*s: allowed threshold 0..1, floor 0..1, holdSamples 0..1000000\n",
                    (int)key_len, key);
            return EDGEMIX_INVALID_CONFIG;
        }
    }
    if (next < 0) {
        EXPLAIN("c_gate: the configuration is not a flat JSON object\n");
        return EDGEMIX_INVALID_CONFIG;
    }
    gate.threshold = threshold;
    gate.floor = floor;
    gate.hold = hold;
    return EDGEMIX_OK;
}

static void apply(const uint8_t *data, uint32_t samples, uint8_t *out) {
    for (uint32_t i = 0; i < samples; i++) {
        float x = edgemix_f32_at(data, i);
        if (__builtin_fabsf(x) >= gate.threshold) {
            gate.remaining = gate.hold + 1;
        }
        bool open = gate.remaining > 0;
        if (open) gate.remaining--;
        edgemix_put_f32(out, i, open ? x : x * gate.floor);
    }
}

int32_t edgemix_process(const uint8_t *data, int32_t data_len, uint8_t *result, uint32_t *result_len) {
    if (!gate.initialized) return EDGEMIX_NOT_INITIALIZED;
    if (!edgemix_in_memory(data, data_len) || !edgemix_in_memory(result_len, 4)) return EDGEMIX_FAILED;
    /* Check the result buffer before the input is applied. */
    uint32_t capacity;
    __builtin_memcpy(&capacity, result_len, 4);
    if (!edgemix_in_memory(result, capacity)) return EDGEMIX_FAILED;
    if (data_len % 4 != 0) return EDGEMIX_INVALID_INPUT;
    uint32_t len = (uint32_t)data_len;
    bool retry = gate.pending && gate.kept_input.len == len && edgemix_bytes_equal(gate.kept_input.data, data, len);
    gate.pending = false;
    if (!retry) {
        if (!reserve(&gate.output, len)) return EDGEMIX_FAILED;
        apply(data, len / 4, gate.output.data);
        gate.output.len = len;
    }
    int32_t status = edgemix_deliver(gate.output.data, gate.output.len, result, result_len);
    if (status == EDGEMIX_BUFFER_TOO_SMALL) {
        if (!reserve(&gate.kept_input, len)) return EDGEMIX_FAILED;
        __builtin_memcpy(gate.kept_input.data, data, len);
        gate.kept_input.len = len;
        gate.pending = true;
    }
    return status;
}

int32_t edgemix_cleanup(void) {
    gate.initialized = false;
    gate.pending = false;
    return EDGEMIX_OK;
}

int32_t edgemix_describe(uint8_t *result, uint32_t *result_len) {
    return edgemix_deliver(DESCRIBE, sizeof DESCRIBE - 1, result, result_len);
}
