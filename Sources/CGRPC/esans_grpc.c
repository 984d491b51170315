// Blocking unary gRPC calls through the system gRPC C core, loaded with dlopen at first use.
// Built as a stub when <grpc/grpc.h> is missing (or with -DESANS_NO_GRPC, to test that path).
#include "esans_grpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#  if __has_include(<grpc/grpc.h>) && !defined(ESANS_NO_GRPC)
#    define ESANS_HAVE_GRPC 1
#  endif
#endif

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

void esans_grpc_free(uint8_t *bytes) { free(bytes); }

#ifndef ESANS_HAVE_GRPC

static const char *unavailable =
    "gRPC unavailable: esans was built without the gRPC headers; "
    "install libgrpc-dev (apt-get install libgrpc-dev) and rebuild";

int esans_grpc_available(char *message, size_t capacity) {
    set_message(message, capacity, unavailable);
    return ESANS_GRPC_UNAVAILABLE;
}

esans_grpc_channel *esans_grpc_open(const char *target, char *message, size_t capacity) {
    (void)target;
    set_message(message, capacity, unavailable);
    return NULL;
}

void esans_grpc_close(esans_grpc_channel *channel) { (void)channel; }

int esans_grpc_unary(esans_grpc_channel *channel, const char *method, const uint8_t *request,
                     size_t request_size, int64_t deadline_ms, uint8_t **response,
                     size_t *response_size, int *status, char *message, size_t capacity) {
    (void)channel; (void)method; (void)request; (void)request_size; (void)deadline_ms;
    if (response) *response = NULL;
    if (response_size) *response_size = 0;
    if (status) *status = 0;
    set_message(message, capacity, unavailable);
    return ESANS_GRPC_UNAVAILABLE;
}

#else

#include <dlfcn.h>
#include <pthread.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/support/time.h>

// The library functions, resolved once. Their types come from the headers themselves.
static struct {
    __typeof__(&grpc_init) init;
    __typeof__(&grpc_insecure_credentials_create) insecure_credentials_create;
    __typeof__(&grpc_channel_credentials_release) channel_credentials_release;
    __typeof__(&grpc_channel_create) channel_create;
    __typeof__(&grpc_channel_destroy) channel_destroy;
    __typeof__(&grpc_completion_queue_create_for_next) cq_create_for_next;
    __typeof__(&grpc_completion_queue_next) cq_next;
    __typeof__(&grpc_completion_queue_shutdown) cq_shutdown;
    __typeof__(&grpc_completion_queue_destroy) cq_destroy;
    __typeof__(&grpc_channel_create_call) channel_create_call;
    __typeof__(&grpc_call_start_batch) call_start_batch;
    __typeof__(&grpc_call_unref) call_unref;
    __typeof__(&grpc_slice_from_copied_string) slice_from_copied_string;
    __typeof__(&grpc_slice_from_copied_buffer) slice_from_copied_buffer;
    __typeof__(&grpc_slice_unref) slice_unref;
    __typeof__(&grpc_raw_byte_buffer_create) raw_byte_buffer_create;
    __typeof__(&grpc_byte_buffer_destroy) byte_buffer_destroy;
    __typeof__(&grpc_byte_buffer_reader_init) reader_init;
    __typeof__(&grpc_byte_buffer_reader_readall) reader_readall;
    __typeof__(&grpc_byte_buffer_reader_destroy) reader_destroy;
    __typeof__(&grpc_metadata_array_init) metadata_array_init;
    __typeof__(&grpc_metadata_array_destroy) metadata_array_destroy;
    __typeof__(&gpr_now) now;
    __typeof__(&gpr_time_add) time_add;
    __typeof__(&gpr_time_from_millis) time_from_millis;
    __typeof__(&gpr_inf_future) inf_future;
} lib;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[512];
static int loaded = 0;

#define LOAD(field, name)                                                                   \
    do {                                                                                    \
        *(void **)(&lib.field) = dlsym(handle, name);                                       \
        if (lib.field == NULL) {                                                            \
            snprintf(load_error, sizeof load_error,                                         \
                     "gRPC unavailable: the gRPC library has no symbol %s", name);          \
            return;                                                                         \
        }                                                                                   \
    } while (0)

static void load_library(void) {
    const char *env = getenv("ESANS_LIBGRPC");
    const char *names[] = {"libgrpc.so.29", "libgrpc.so", "libgrpc.dylib"};
    void *handle = NULL;
    if (env != NULL && env[0] != '\0') {
        handle = dlopen(env, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *e = dlerror();
            snprintf(load_error, sizeof load_error, "gRPC unavailable: ESANS_LIBGRPC=%s: cannot load it (%s)",
                     env, e ? e : "unknown error");
            return;
        }
    } else {
        for (size_t i = 0; i < sizeof names / sizeof names[0] && handle == NULL; i++) {
            handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        }
        if (handle == NULL) {
            snprintf(load_error, sizeof load_error,
                     "gRPC unavailable: the gRPC C library is not installed (tried libgrpc.so.29, libgrpc.so); "
                     "install it (Debian: apt-get install libgrpc29) or name it with ESANS_LIBGRPC");
            return;
        }
    }
    LOAD(init, "grpc_init");
    LOAD(insecure_credentials_create, "grpc_insecure_credentials_create");
    LOAD(channel_credentials_release, "grpc_channel_credentials_release");
    LOAD(channel_create, "grpc_channel_create");
    LOAD(channel_destroy, "grpc_channel_destroy");
    LOAD(cq_create_for_next, "grpc_completion_queue_create_for_next");
    LOAD(cq_next, "grpc_completion_queue_next");
    LOAD(cq_shutdown, "grpc_completion_queue_shutdown");
    LOAD(cq_destroy, "grpc_completion_queue_destroy");
    LOAD(channel_create_call, "grpc_channel_create_call");
    LOAD(call_start_batch, "grpc_call_start_batch");
    LOAD(call_unref, "grpc_call_unref");
    LOAD(slice_from_copied_string, "grpc_slice_from_copied_string");
    LOAD(slice_from_copied_buffer, "grpc_slice_from_copied_buffer");
    LOAD(slice_unref, "grpc_slice_unref");
    LOAD(raw_byte_buffer_create, "grpc_raw_byte_buffer_create");
    LOAD(byte_buffer_destroy, "grpc_byte_buffer_destroy");
    LOAD(reader_init, "grpc_byte_buffer_reader_init");
    LOAD(reader_readall, "grpc_byte_buffer_reader_readall");
    LOAD(reader_destroy, "grpc_byte_buffer_reader_destroy");
    LOAD(metadata_array_init, "grpc_metadata_array_init");
    LOAD(metadata_array_destroy, "grpc_metadata_array_destroy");
    LOAD(now, "gpr_now");
    LOAD(time_add, "gpr_time_add");
    LOAD(time_from_millis, "gpr_time_from_millis");
    LOAD(inf_future, "gpr_inf_future");
    lib.init();
    loaded = 1;
}

int esans_grpc_available(char *message, size_t capacity) {
    pthread_once(&load_once, load_library);
    if (loaded) return ESANS_GRPC_OK;
    set_message(message, capacity, load_error);
    return ESANS_GRPC_UNAVAILABLE;
}

struct esans_grpc_channel {
    grpc_channel *channel;
};

esans_grpc_channel *esans_grpc_open(const char *target, char *message, size_t capacity) {
    if (esans_grpc_available(message, capacity) != ESANS_GRPC_OK) return NULL;
    esans_grpc_channel *out = calloc(1, sizeof *out);
    if (out == NULL) {
        set_message(message, capacity, "out of memory");
        return NULL;
    }
    // No limit on the size of a response (a large Query); the server keeps its own.
    grpc_arg args[1];
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = -1;
    grpc_channel_args channel_args = {1, args};
    grpc_channel_credentials *creds = lib.insecure_credentials_create();
    out->channel = lib.channel_create(target, creds, &channel_args);
    lib.channel_credentials_release(creds);
    if (out->channel == NULL) {
        free(out);
        set_message(message, capacity, "gRPC could not create a channel");
        return NULL;
    }
    return out;
}

void esans_grpc_close(esans_grpc_channel *channel) {
    if (channel == NULL) return;
    if (loaded && channel->channel != NULL) lib.channel_destroy(channel->channel);
    free(channel);
}

/// Waits for the one batch started on `cq` (tag 1), then shuts the queue down and drains it.
static int finish_queue(grpc_completion_queue *cq, int started) {
    int ok = 0;
    if (started) {
        grpc_event ev = lib.cq_next(cq, lib.inf_future(GPR_CLOCK_REALTIME), NULL);
        ok = ev.type == GRPC_OP_COMPLETE && ev.success;
    }
    lib.cq_shutdown(cq);
    for (;;) {
        grpc_event ev = lib.cq_next(cq, lib.inf_future(GPR_CLOCK_REALTIME), NULL);
        if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    }
    lib.cq_destroy(cq);
    return ok;
}

int esans_grpc_unary(esans_grpc_channel *channel, const char *method, const uint8_t *request,
                     size_t request_size, int64_t deadline_ms, uint8_t **response,
                     size_t *response_size, int *status, char *message, size_t capacity) {
    *response = NULL;
    *response_size = 0;
    *status = 0;
    if (esans_grpc_available(message, capacity) != ESANS_GRPC_OK) return ESANS_GRPC_UNAVAILABLE;
    if (channel == NULL || channel->channel == NULL) {
        set_message(message, capacity, "no gRPC channel");
        return ESANS_GRPC_INTERNAL;
    }
    grpc_completion_queue *cq = lib.cq_create_for_next(NULL);
    grpc_slice method_slice = lib.slice_from_copied_string(method);
    gpr_timespec deadline = lib.time_add(lib.now(GPR_CLOCK_REALTIME),
                                         lib.time_from_millis(deadline_ms, GPR_TIMESPAN));
    grpc_call *call = lib.channel_create_call(channel->channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                              method_slice, NULL, deadline, NULL);
    lib.slice_unref(method_slice);
    if (call == NULL) {
        finish_queue(cq, 0);
        set_message(message, capacity, "gRPC could not create the call");
        return ESANS_GRPC_INTERNAL;
    }
    grpc_slice payload = lib.slice_from_copied_buffer((const char *)request, request_size);
    grpc_byte_buffer *send = lib.raw_byte_buffer_create(&payload, 1);
    lib.slice_unref(payload);
    grpc_byte_buffer *recv = NULL;
    grpc_metadata_array initial_md, trailing_md;
    lib.metadata_array_init(&initial_md);
    lib.metadata_array_init(&trailing_md);
    grpc_status_code code = GRPC_STATUS_UNKNOWN;
    grpc_slice details;
    memset(&details, 0, sizeof details);

    grpc_op ops[6];
    memset(ops, 0, sizeof ops);
    ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    ops[0].data.send_initial_metadata.count = 0;
    ops[1].op = GRPC_OP_SEND_MESSAGE;
    ops[1].data.send_message.send_message = send;
    ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
    ops[4].op = GRPC_OP_RECV_MESSAGE;
    ops[4].data.recv_message.recv_message = &recv;
    ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
    ops[5].data.recv_status_on_client.status = &code;
    ops[5].data.recv_status_on_client.status_details = &details;

    grpc_call_error err = lib.call_start_batch(call, ops, 6, (void *)1, NULL);
    int ok = finish_queue(cq, err == GRPC_CALL_OK);
    int result = ESANS_GRPC_OK;
    if (err != GRPC_CALL_OK || !ok) {
        snprintf(message, capacity, "gRPC could not run the call (error %d)", (int)err);
        result = ESANS_GRPC_INTERNAL;
    } else if (code != GRPC_STATUS_OK) {
        *status = (int)code;
        size_t n = GRPC_SLICE_LENGTH(details);
        if (capacity > 0) {
            if (n >= capacity) n = capacity - 1;
            memcpy(message, GRPC_SLICE_START_PTR(details), n);
            message[n] = '\0';
        }
        result = ESANS_GRPC_CALL_FAILED;
    } else if (recv != NULL) {
        grpc_byte_buffer_reader reader;
        if (!lib.reader_init(&reader, recv)) {
            set_message(message, capacity, "gRPC could not read the response");
            result = ESANS_GRPC_INTERNAL;
        } else {
            grpc_slice all = lib.reader_readall(&reader);
            size_t n = GRPC_SLICE_LENGTH(all);
            if (n > 0) {
                *response = malloc(n);
                if (*response == NULL) {
                    set_message(message, capacity, "out of memory");
                    result = ESANS_GRPC_INTERNAL;
                } else {
                    memcpy(*response, GRPC_SLICE_START_PTR(all), n);
                    *response_size = n;
                }
            }
            lib.slice_unref(all);
            lib.reader_destroy(&reader);
        }
    }
    if (recv != NULL) lib.byte_buffer_destroy(recv);
    lib.byte_buffer_destroy(send);
    lib.metadata_array_destroy(&initial_md);
    lib.metadata_array_destroy(&trailing_md);
    lib.slice_unref(details);  // zeroed (an inline empty slice) when no status came
    lib.call_unref(call);
    return result;
}

#endif
