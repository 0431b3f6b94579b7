#define _GNU_SOURCE
#include "cmpi.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Open MPI's handles are pointers to its predefined objects: MPI_COMM_WORLD is &ompi_mpi_comm_world and
   MPI_BYTE is &ompi_mpi_byte, so the addresses of those symbols are the handles and no mpi.h is needed. */
typedef void *handle_t;

static struct {
    int (*init_thread)(int *, char ***, int, int *);
    int (*initialized)(int *);
    int (*finalized)(int *);
    int (*comm_rank)(handle_t, int *);
    int (*comm_size)(handle_t, int *);
    int (*allgather)(const void *, int, handle_t, void *, int, handle_t, handle_t);
    int (*alltoall)(const void *, int, handle_t, void *, int, handle_t, handle_t);
    int (*bcast)(void *, int, handle_t, int, handle_t);
    int (*barrier)(handle_t);
    int (*abort)(handle_t, int);
    int (*finalize)(void);
    handle_t world;
    handle_t byte;
    int size;
    int loaded;
} mpi;

static char message[1024];
static size_t piece_bytes = INT_MAX;

const char *cmpi_error(void) { return message; }

void cmpi_set_piece_bytes(size_t bytes) { piece_bytes = bytes > 0 && bytes <= INT_MAX ? bytes : INT_MAX; }

static int fail(int code, const char *what) {
    snprintf(message, sizeof message, "%s (MPI error %d)", what, code);
    return code;
}

int cmpi_load(void) {
    if (mpi.loaded) return 0;
    /* PIPE_LIBMPI names another library file to open instead (a test, or an Open MPI outside the search path). */
    const char *chosen = getenv("PIPE_LIBMPI");
    const char *names[] = {chosen && *chosen ? chosen : "libmpi.so.40", "libmpi.so"};
    size_t count = chosen && *chosen ? 1 : 2;
    void *library = NULL;
    char tried[512] = "";
    for (size_t i = 0; i < count && !library; i++) {
        /* RTLD_GLOBAL: Open MPI's plugins resolve libmpi's symbols from the global scope. */
        library = dlopen(names[i], RTLD_NOW | RTLD_GLOBAL);
        if (!library) {
            const char *reason = dlerror();
            size_t used = strlen(tried);
            snprintf(tried + used, sizeof tried - used, "%s%s", used ? "; " : "", reason ? reason : names[i]);
        }
    }
    if (!library) {
        snprintf(message, sizeof message,
                 "ranks > 1 needs Open MPI's libmpi.so.40 (Debian: openmpi-bin libopenmpi3); pipe found none: %s", tried);
        return -1;
    }
    struct { void **slot; const char *name; } symbols[] = {
        {(void **)&mpi.init_thread, "MPI_Init_thread"}, {(void **)&mpi.initialized, "MPI_Initialized"},
        {(void **)&mpi.finalized, "MPI_Finalized"},
        {(void **)&mpi.comm_rank, "MPI_Comm_rank"}, {(void **)&mpi.comm_size, "MPI_Comm_size"},
        {(void **)&mpi.allgather, "MPI_Allgather"}, {(void **)&mpi.alltoall, "MPI_Alltoall"},
        {(void **)&mpi.bcast, "MPI_Bcast"}, {(void **)&mpi.barrier, "MPI_Barrier"}, {(void **)&mpi.abort, "MPI_Abort"},
        {(void **)&mpi.finalize, "MPI_Finalize"}, {(void **)&mpi.world, "ompi_mpi_comm_world"},
        {(void **)&mpi.byte, "ompi_mpi_byte"},
    };
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        *symbols[i].slot = dlsym(library, symbols[i].name);
        if (!*symbols[i].slot) {
            const char *kind = strncmp(symbols[i].name, "ompi_", 5) == 0
                ? " (not Open MPI: pipe needs Open MPI, whose handles are these symbols; MPICH and others are not supported)" : "";
            snprintf(message, sizeof message,
                     "ranks > 1 needs Open MPI's libmpi.so.40 (Debian: openmpi-bin libopenmpi3); pipe found a libmpi without `%s`%s",
                     symbols[i].name, kind);
            memset(&mpi, 0, sizeof mpi);
            return -1;
        }
    }
    mpi.loaded = 1;
    message[0] = 0;
    return 0;
}

int cmpi_init(int *rank, int *size) {
    if (!mpi.loaded && cmpi_load() != 0) return -1;
    int initialized = 0, code;
    if ((code = mpi.initialized(&initialized)) != 0) return fail(code, "MPI_Initialized failed");
    if (!initialized) {
        int provided = 0;
        /* MPI_THREAD_SERIALIZED (2 in Open MPI): any thread may call MPI, one at a time; a stage runs on a worker
           thread of the runner, not necessarily the one that initialised MPI. */
        if ((code = mpi.init_thread(NULL, NULL, 2, &provided)) != 0) return fail(code, "MPI_Init_thread failed");
        if (provided < 2) {
            snprintf(message, sizeof message, "Open MPI provides thread level %d; pipe needs MPI_THREAD_SERIALIZED (2)", provided);
            return -1;
        }
    }
    if ((code = mpi.comm_rank(mpi.world, rank)) != 0) return fail(code, "MPI_Comm_rank failed");
    if ((code = mpi.comm_size(mpi.world, size)) != 0) return fail(code, "MPI_Comm_size failed");
    mpi.size = *size;
    return 0;
}

/* One collective whose per-rank block is split into pieces: block p of the send side is at
   send + p * send_stride (+ piece offset), and likewise for the result; pieces go through a packed buffer. */
typedef int (*exchange_t)(const void *, int, handle_t, void *, int, handle_t, handle_t);

static int pieced(exchange_t call, const char *name, const char *send, size_t send_stride, int send_blocks,
                  char *result, size_t bytes) {
    int code;
    if (bytes <= piece_bytes) {
        if ((code = call(send, (int)bytes, mpi.byte, result, (int)bytes, mpi.byte, mpi.world)) != 0) return fail(code, name);
        return 0;
    }
    size_t piece = piece_bytes, n = (size_t)mpi.size;
    char *packed_send = malloc(piece * (size_t)send_blocks), *packed_result = malloc(piece * n);
    if (!packed_send || !packed_result) {
        free(packed_send);
        free(packed_result);
        snprintf(message, sizeof message, "%s: out of memory for a %zu-byte piece", name, piece);
        return -1;
    }
    for (size_t offset = 0; offset < bytes; offset += piece) {
        size_t length = bytes - offset < piece ? bytes - offset : piece;
        for (int p = 0; p < send_blocks; p++) memcpy(packed_send + p * length, send + p * send_stride + offset, length);
        code = call(packed_send, (int)length, mpi.byte, packed_result, (int)length, mpi.byte, mpi.world);
        if (code != 0) {
            free(packed_send);
            free(packed_result);
            return fail(code, name);
        }
        for (size_t p = 0; p < n; p++) memcpy(result + p * bytes + offset, packed_result + p * length, length);
    }
    free(packed_send);
    free(packed_result);
    return 0;
}

int cmpi_allgather(const void *block, void *result, size_t bytes) {
    if (!mpi.loaded) return fail(-1, "MPI is not loaded");
    return pieced(mpi.allgather, "MPI_Allgather failed", block, 0, 1, result, bytes);
}

int cmpi_alltoall(const void *blocks, void *result, size_t bytes) {
    if (!mpi.loaded) return fail(-1, "MPI is not loaded");
    return pieced(mpi.alltoall, "MPI_Alltoall failed", blocks, bytes, mpi.size, result, bytes);
}

int cmpi_bcast(void *buffer, size_t bytes, int root) {
    if (!mpi.loaded) return fail(-1, "MPI is not loaded");
    for (size_t offset = 0; offset < bytes || offset == 0; offset += piece_bytes) {
        size_t length = bytes - offset < piece_bytes ? bytes - offset : piece_bytes;
        int code = mpi.bcast((char *)buffer + offset, (int)length, mpi.byte, root, mpi.world);
        if (code != 0) return fail(code, "MPI_Bcast failed");
        if (bytes == 0) break;
    }
    return 0;
}

int cmpi_barrier(void) {
    if (!mpi.loaded) return fail(-1, "MPI is not loaded");
    int code = mpi.barrier(mpi.world);
    return code ? fail(code, "MPI_Barrier failed") : 0;
}

void cmpi_abort(int code) {
    if (mpi.loaded) mpi.abort(mpi.world, code);
    exit(code);
}

int cmpi_finalize(void) {
    if (!mpi.loaded) return 0;
    int finalized = 0;
    mpi.finalized(&finalized);
    if (finalized) return 0;
    int code = mpi.finalize();
    return code ? fail(code, "MPI_Finalize failed") : 0;
}
