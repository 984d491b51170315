// A small C shim over the gRPC C core (libgrpc), loaded at run time with dlopen so that
// nothing links against it at build time. It makes one kind of call: a blocking unary RPC
// with raw (already serialised) request and response bytes, on a plaintext HTTP/2 channel.
// When the headers are missing at build time (no libgrpc-dev), the shim compiles to a stub
// that reports gRPC as unavailable.
#ifndef ESANS_GRPC_H
#define ESANS_GRPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes of the shim's functions.
enum esans_grpc_result {
    ESANS_GRPC_OK = 0,
    /// Built without the gRPC headers, or libgrpc could not be loaded at run time.
    ESANS_GRPC_UNAVAILABLE = 1,
    /// The call ended with a gRPC status other than OK (`*status`, details in `message`).
    ESANS_GRPC_CALL_FAILED = 2,
    /// Out of memory, or the library refused to start the call.
    ESANS_GRPC_INTERNAL = 3,
};

/// A channel to one server (opaque). Safe to use from several threads at once.
typedef struct esans_grpc_channel esans_grpc_channel;

/// Returns ESANS_GRPC_OK when libgrpc is loaded (loading it on first use), else
/// ESANS_GRPC_UNAVAILABLE with the reason in `message` (NUL-terminated, at most `capacity` bytes).
int esans_grpc_available(char *message, size_t capacity);

/// Opens a plaintext channel to `target` (`host:port`). Connecting is lazy: an unreachable
/// server shows up as UNAVAILABLE status on the first call. Returns NULL with the reason in
/// `message` when libgrpc is unavailable.
esans_grpc_channel *esans_grpc_open(const char *target, char *message, size_t capacity);

/// Closes a channel (NULL is fine). No call may be running on it.
void esans_grpc_close(esans_grpc_channel *channel);

/// Calls `method` (`/package.Service/Method`) with the serialised request
/// `request[0..<request_size]` and waits at most `deadline_ms` milliseconds. On ESANS_GRPC_OK,
/// `*response` holds `*response_size` bytes to release with `esans_grpc_free` (NULL when the
/// response is empty). On ESANS_GRPC_CALL_FAILED, `*status` is the gRPC status code (e.g. 4
/// DEADLINE_EXCEEDED, 12 UNIMPLEMENTED, 14 UNAVAILABLE) and `message` its details.
int esans_grpc_unary(esans_grpc_channel *channel, const char *method, const uint8_t *request,
                     size_t request_size, int64_t deadline_ms, uint8_t **response,
                     size_t *response_size, int *status, char *message, size_t capacity);

/// Releases a response returned by `esans_grpc_unary` (NULL is fine).
void esans_grpc_free(uint8_t *bytes);

#ifdef __cplusplus
}
#endif

#endif
