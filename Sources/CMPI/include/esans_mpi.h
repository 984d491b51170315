// A small C shim over Open MPI, loaded at run time with dlopen so that esans neither needs
// mpi.h to build nor libmpi to run. Only the handful of calls esans uses are exposed; every
// handle (communicator, datatype, operation) is resolved inside the shim from the symbols
// Open MPI exports for the predefined objects that mpi.h spells as macros
// (MPI_COMM_WORLD is `&ompi_mpi_comm_world`, MPI_DOUBLE `&ompi_mpi_double`, ...).
// Everything works on MPI_COMM_WORLD. Calls are to be made from one thread (the one that
// called esans_mpi_init), as MPI_THREAD_FUNNELED requires.
#ifndef ESANS_MPI_H
#define ESANS_MPI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Result codes of the shim. Any other positive value is an MPI error code.
enum esans_mpi_status {
    ESANS_MPI_OK = 0,
    /// The library could not be loaded, lacks a symbol, or MPI is not initialised.
    ESANS_MPI_UNAVAILABLE = -1,
    /// A count does not fit MPI's `int` counts.
    ESANS_MPI_TOO_LARGE = -2,
};

/// Element types of ``esans_mpi_allreduce_sum``.
enum esans_mpi_type {
    ESANS_MPI_FLOAT = 0,
    ESANS_MPI_DOUBLE = 1,
    ESANS_MPI_INT64 = 2,
};

/// Loads Open MPI (libmpi.so.40, or the file named by the ESANS_MPI_LIBRARY environment
/// variable) and resolves its symbols, once. Returns ESANS_MPI_OK, or ESANS_MPI_UNAVAILABLE
/// with the reason in `message` (NUL-terminated, at most `capacity` bytes). Does not initialise MPI.
int esans_mpi_load(char *message, size_t capacity);

/// Loads the library if needed and calls MPI_Init_thread(MPI_THREAD_FUNNELED); a second call
/// does nothing. On failure, `message` says why.
int esans_mpi_init(char *message, size_t capacity);

/// Whether esans_mpi_init succeeded and MPI has not been finalised since.
int esans_mpi_is_initialized(void);

/// MPI_Finalize (once; later calls do nothing).
int esans_mpi_finalize(void);

/// MPI_Abort on MPI_COMM_WORLD: ends every rank with `code`. Does nothing when MPI is not initialised.
void esans_mpi_abort(int code);

/// This process's rank and the number of ranks in MPI_COMM_WORLD.
int esans_mpi_rank(int *rank);
int esans_mpi_size(int *size);

/// MPI_Barrier.
int esans_mpi_barrier(void);

/// MPI_Allreduce with MPI_SUM of `count` elements of `type` (an esans_mpi_type).
/// The result's rounding depends on the number of ranks and the library's algorithm.
int esans_mpi_allreduce_sum(const void *send, void *recv, int count, int type);

/// MPI_Allgather of `bytes` bytes from every rank into `recv` (`bytes * size` bytes, rank order).
int esans_mpi_allgather_bytes(const void *send, int bytes, void *recv);

/// MPI_Allgatherv of bytes: rank r's `counts[r]` bytes land at `recv + displs[r]`.
int esans_mpi_allgatherv_bytes(const void *send, int bytes, void *recv, const int *counts, const int *displs);

/// MPI_Bcast of `bytes` bytes from `root`.
int esans_mpi_bcast_bytes(void *buffer, int bytes, int root);

/// MPI_Alltoall of `bytes` bytes per rank pair.
int esans_mpi_alltoall_bytes(const void *send, int bytes, void *recv);

/// MPI_Alltoallv of bytes (counts and displacements in bytes, one per rank).
int esans_mpi_alltoallv_bytes(const void *send, const int *send_counts, const int *send_displs,
                              void *recv, const int *recv_counts, const int *recv_displs);

/// The text of an MPI error code (or of a shim status) in `message`.
void esans_mpi_error_string(int code, char *message, size_t capacity);

/// MPI_Get_library_version into `message` (ESANS_MPI_UNAVAILABLE if not loaded).
int esans_mpi_library_version(char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
