#ifndef CMPI_H
#define CMPI_H

#include <stddef.h>

/* Open MPI's libmpi, opened at run time with dlopen: pipe builds and runs without MPI, and only a job with
   more than one rank needs the library. Every function returns 0 on success, or an MPI error code (or -1 when
   the library is not loaded) and leaves a message for cmpi_error(). */

/* Opens libmpi.so.40 (or libmpi.so; or the file $PIPE_LIBMPI names) and looks up the functions and handles pipe uses. */
int cmpi_load(void);
/* The last error message (empty when none). */
const char *cmpi_error(void);
/* MPI_Init_thread (MPI_THREAD_SERIALIZED) unless MPI is initialised already; then this process's rank and the job's size. */
int cmpi_init(int *rank, int *size);
/* The collectives on MPI_COMM_WORLD over bytes. Counts are per rank, in bytes, and may exceed INT_MAX:
   larger transfers run as several calls of at most cmpi_set_piece_bytes bytes per rank. */
int cmpi_allgather(const void *block, void *result, size_t bytes);
int cmpi_alltoall(const void *blocks, void *result, size_t bytes);
int cmpi_bcast(void *buffer, size_t bytes, int root);
int cmpi_barrier(void);
void cmpi_abort(int code);
int cmpi_finalize(void);
/* The most bytes per rank one MPI call moves (INT_MAX by default); tests lower it to exercise splitting. */
void cmpi_set_piece_bytes(size_t bytes);

#endif
