// Open MPI through dlopen. No mpi.h is needed: the functions are declared here with the
// types Open MPI 4.1 uses (every handle is a pointer to a library struct; counts are
// `int`), and the predefined handles are the addresses of the exported ompi_mpi_* objects.
#include "esans_mpi.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Constants of Open MPI's mpi.h (checked against the header of Open MPI 4.1.4, Debian 12).
#define OMPI_SUCCESS 0
#define OMPI_THREAD_FUNNELED 1
#define OMPI_MAX_ERROR_STRING 256
#define OMPI_MAX_LIBRARY_VERSION_STRING 256

typedef void *handle_t;  // MPI_Comm, MPI_Datatype, MPI_Op: pointers in Open MPI

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*is_initialized)(int *);
    int (*is_finalized)(int *);
    int (*finalize)(void);
    int (*abort)(handle_t, int);
    int (*comm_rank)(handle_t, int *);
    int (*comm_size)(handle_t, int *);
    int (*barrier)(handle_t);
    int (*allreduce)(const void *, void *, int, handle_t, handle_t, handle_t);
    int (*allgather)(const void *, int, handle_t, void *, int, handle_t, handle_t);
    int (*allgatherv)(const void *, int, handle_t, void *, const int *, const int *, handle_t, handle_t);
    int (*bcast)(void *, int, handle_t, int, handle_t);
    int (*alltoall)(const void *, int, handle_t, void *, int, handle_t, handle_t);
    int (*alltoallv)(const void *, const int *, const int *, handle_t, void *, const int *, const int *, handle_t, handle_t);
    int (*error_string)(int, char *, int *);
    int (*get_library_version)(char *, int *);
    handle_t comm_world, type_byte, type_float, type_double, type_int64, op_sum;
    int loaded;
    int ready;      // initialised by us, not finalised
    int finalized;  // finalised by us
    char failure[512];
} lib;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

// Stands in for the NULL base address of an empty Swift buffer: MPI wants a valid pointer
// even for zero bytes.
static char empty_buffer[1];
#define NONNULL(p) ((p) != NULL ? (p) : (void *)empty_buffer)

static void set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    snprintf(message, capacity, "%s", text);
}

static void load_library(void) {
    const char *override = getenv("ESANS_MPI_LIBRARY");
    const char *names[] = {
#if defined(__APPLE__)
        "libmpi.40.dylib", "/opt/homebrew/lib/libmpi.40.dylib", "/usr/local/lib/libmpi.40.dylib",
#else
        "libmpi.so.40",
#endif
    };
    void *handle = NULL;
    const char *tried = override != NULL && override[0] != 0 ? override : names[0];
    // RTLD_GLOBAL: Open MPI's own plug-ins, loaded later, resolve symbols of libmpi.
    if (override != NULL && override[0] != 0) {
        handle = dlopen(override, RTLD_NOW | RTLD_GLOBAL);
    } else {
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && handle == NULL; i++)
            handle = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
    }
    if (handle == NULL) {
        const char *why = dlerror();
        snprintf(lib.failure, sizeof(lib.failure),
                 "MPI unavailable: cannot load Open MPI (%s: %s); install it with "
                 "apt-get install libopenmpi-dev openmpi-bin", tried, why ? why : "not found");
        return;
    }
#define ESANS_LOAD(field, symbol)                                                              \
    *(void **)(&lib.field) = dlsym(handle, #symbol);                                           \
    if (lib.field == NULL) {                                                                   \
        snprintf(lib.failure, sizeof(lib.failure),                                             \
                 "MPI unavailable: %s has no symbol " #symbol " (esans needs Open MPI 4)", tried); \
        return;                                                                                \
    }
    ESANS_LOAD(init_thread, MPI_Init_thread)
    ESANS_LOAD(is_initialized, MPI_Initialized)
    ESANS_LOAD(is_finalized, MPI_Finalized)
    ESANS_LOAD(finalize, MPI_Finalize)
    ESANS_LOAD(abort, MPI_Abort)
    ESANS_LOAD(comm_rank, MPI_Comm_rank)
    ESANS_LOAD(comm_size, MPI_Comm_size)
    ESANS_LOAD(barrier, MPI_Barrier)
    ESANS_LOAD(allreduce, MPI_Allreduce)
    ESANS_LOAD(allgather, MPI_Allgather)
    ESANS_LOAD(allgatherv, MPI_Allgatherv)
    ESANS_LOAD(bcast, MPI_Bcast)
    ESANS_LOAD(alltoall, MPI_Alltoall)
    ESANS_LOAD(alltoallv, MPI_Alltoallv)
    ESANS_LOAD(error_string, MPI_Error_string)
    ESANS_LOAD(get_library_version, MPI_Get_library_version)
    // The predefined handles: mpi.h's MPI_COMM_WORLD is `(MPI_Comm)&ompi_mpi_comm_world`, so
    // the symbol's address is the handle itself.
    ESANS_LOAD(comm_world, ompi_mpi_comm_world)
    ESANS_LOAD(type_byte, ompi_mpi_byte)
    ESANS_LOAD(type_float, ompi_mpi_float)
    ESANS_LOAD(type_double, ompi_mpi_double)
    ESANS_LOAD(type_int64, ompi_mpi_int64_t)
    ESANS_LOAD(op_sum, ompi_mpi_op_sum)
#undef ESANS_LOAD
    lib.loaded = 1;
}

int esans_mpi_load(char *message, size_t capacity) {
    pthread_once(&load_once, load_library);
    if (!lib.loaded) {
        set_message(message, capacity, lib.failure);
        return ESANS_MPI_UNAVAILABLE;
    }
    set_message(message, capacity, "");
    return ESANS_MPI_OK;
}

int esans_mpi_init(char *message, size_t capacity) {
    if (esans_mpi_load(message, capacity) != ESANS_MPI_OK) return ESANS_MPI_UNAVAILABLE;
    if (lib.ready) return ESANS_MPI_OK;
    if (lib.finalized) {
        set_message(message, capacity, "MPI was finalised already; it cannot be initialised again");
        return ESANS_MPI_UNAVAILABLE;
    }
    int already = 0;
    lib.is_initialized(&already);
    if (!already) {
        int provided = 0;
        int rc = lib.init_thread(NULL, NULL, OMPI_THREAD_FUNNELED, &provided);
        if (rc != OMPI_SUCCESS) {
            char text[OMPI_MAX_ERROR_STRING + 1] = {0};
            int len = 0;
            lib.error_string(rc, text, &len);
            snprintf(message, capacity, "MPI_Init_thread failed: %s", text);
            return rc;
        }
    }
    lib.ready = 1;
    return ESANS_MPI_OK;
}

int esans_mpi_is_initialized(void) { return lib.ready; }

int esans_mpi_finalize(void) {
    if (!lib.ready) return ESANS_MPI_OK;
    lib.ready = 0;
    lib.finalized = 1;
    return lib.finalize();
}

void esans_mpi_abort(int code) {
    if (lib.ready) lib.abort(lib.comm_world, code);
}

int esans_mpi_rank(int *rank) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.comm_rank(lib.comm_world, rank);
}

int esans_mpi_size(int *size) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.comm_size(lib.comm_world, size);
}

int esans_mpi_barrier(void) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.barrier(lib.comm_world);
}

int esans_mpi_allreduce_sum(const void *send, void *recv, int count, int type) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    handle_t t;
    switch (type) {
    case ESANS_MPI_FLOAT: t = lib.type_float; break;
    case ESANS_MPI_DOUBLE: t = lib.type_double; break;
    case ESANS_MPI_INT64: t = lib.type_int64; break;
    default: return ESANS_MPI_UNAVAILABLE;
    }
    return lib.allreduce(NONNULL(send), NONNULL(recv), count, t, lib.op_sum, lib.comm_world);
}

int esans_mpi_allgather_bytes(const void *send, int bytes, void *recv) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.allgather(NONNULL(send), bytes, lib.type_byte, NONNULL(recv), bytes, lib.type_byte, lib.comm_world);
}

int esans_mpi_allgatherv_bytes(const void *send, int bytes, void *recv, const int *counts, const int *displs) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.allgatherv(NONNULL(send), bytes, lib.type_byte, NONNULL(recv), counts, displs, lib.type_byte, lib.comm_world);
}

int esans_mpi_bcast_bytes(void *buffer, int bytes, int root) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.bcast(NONNULL(buffer), bytes, lib.type_byte, root, lib.comm_world);
}

int esans_mpi_alltoall_bytes(const void *send, int bytes, void *recv) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.alltoall(NONNULL(send), bytes, lib.type_byte, NONNULL(recv), bytes, lib.type_byte, lib.comm_world);
}

int esans_mpi_alltoallv_bytes(const void *send, const int *send_counts, const int *send_displs,
                              void *recv, const int *recv_counts, const int *recv_displs) {
    if (!lib.ready) return ESANS_MPI_UNAVAILABLE;
    return lib.alltoallv(NONNULL(send), send_counts, send_displs, lib.type_byte,
                         NONNULL(recv), recv_counts, recv_displs, lib.type_byte, lib.comm_world);
}

void esans_mpi_error_string(int code, char *message, size_t capacity) {
    if (code == ESANS_MPI_OK) { set_message(message, capacity, "success"); return; }
    if (code == ESANS_MPI_UNAVAILABLE) {
        set_message(message, capacity, lib.loaded ? "MPI is not initialised" : lib.failure);
        return;
    }
    if (code == ESANS_MPI_TOO_LARGE) { set_message(message, capacity, "count larger than MPI's int counts"); return; }
    if (!lib.loaded) { snprintf(message, capacity, "MPI error %d", code); return; }
    char text[OMPI_MAX_ERROR_STRING + 1] = {0};
    int len = 0;
    if (lib.error_string(code, text, &len) != OMPI_SUCCESS) snprintf(text, sizeof(text), "MPI error %d", code);
    set_message(message, capacity, text);
}

int esans_mpi_library_version(char *message, size_t capacity) {
    if (esans_mpi_load(message, capacity) != ESANS_MPI_OK) return ESANS_MPI_UNAVAILABLE;
    char text[OMPI_MAX_LIBRARY_VERSION_STRING + 1] = {0};
    int len = 0;
    int rc = lib.get_library_version(text, &len);
    set_message(message, capacity, text);
    return rc;
}
