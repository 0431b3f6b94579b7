#ifndef HDF5_SNAPSHOT_H
#define HDF5_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

/* Reads an HDF5 file with libhdf5 in a forked child process and returns what the child wrote: a snapshot of the
   groups, attributes and float datasets reachable by hard links. A crash, sanitizer report or hang inside libhdf5
   ends only the child; the parent learns how it ended. When a group cannot be listed, the names its string
   attributes hold are looked up as paths of hard links from it instead. The snapshot is native-endian, for this process only:

     "PH5SNAP1"
     per object:  'O' path:str kind:u8 (0 group, 1 dataset, 2 other)
                  per attribute, in name order: 'A' name:str attribute
                  then for a group 'M' complete:u8 count:u64 name:str... (its links in name order; complete is 0
                  when libhdf5 failed to list them all), for a dataset 'D' dataset
     at the end:  'E' limits:u8 (bit 0: deeper than the depth limit, bit 1: more objects than the object limit)

   str is a u32 byte count and the bytes; a path is relative to the root ("" for the root itself).
   attribute: kind:u8, then for 0 (strings) count:u64 str...; 1 not a string; 2 too many values points:i64;
              3 strings too large count:u64 width:u64; 4 unreadable; 5 not read (not in `strings`).
   dataset:   status:u8 rank:u32 dims:u64..., then for 0 (floats) the values as float32; 1 not floats;
              2 too many values; 3 stored less than its shape needs stored:u64 needed:u64; 4 unreadable;
              5 floats, not read (HDF5_SNAPSHOT_NO_VALUES). */

/* How the child ended. */
enum {
    HDF5_SNAPSHOT_EXITED = 0,     /* code: its exit status */
    HDF5_SNAPSHOT_SIGNALLED = 1,  /* code: the signal */
    HDF5_SNAPSHOT_TIMED_OUT = 2,  /* code: the time limit in seconds */
    HDF5_SNAPSHOT_TOO_LARGE = 3,  /* the snapshot exceeded max_bytes; the child was killed */
    HDF5_SNAPSHOT_NOT_STARTED = 4 /* code: errno of pipe or fork */
};

/* Exit statuses of the child besides 0 (a complete snapshot). */
enum {
    HDF5_SNAPSHOT_UNOPENABLE = 2,   /* libhdf5 cannot open the file */
    HDF5_SNAPSHOT_WRITE_FAILED = 3, /* the pipe to the parent failed */
    HDF5_SNAPSHOT_SANITIZER = 86    /* a sanitizer found a memory error (its death callback) */
};

/* Options: at most one fault (failures the child commits, for tests of the parent's side), and NO_VALUES. */
enum {
    HDF5_SNAPSHOT_NO_FAULT = 0,
    HDF5_SNAPSHOT_FAULT_SEGV = 1, /* raise(SIGSEGV) before opening the file */
    HDF5_SNAPSHOT_FAULT_HANG = 2, /* wait forever before opening the file */
    HDF5_SNAPSHOT_NO_VALUES = 16  /* the structure and attributes only, no dataset's values */
};

/* The walk's bounds, so cyclic or fanned-out hard links end. */
#define HDF5_SNAPSHOT_DEPTH_LIMIT 32
#define HDF5_SNAPSHOT_OBJECT_LIMIT 200000

typedef struct {
    unsigned char *bytes; /* malloc'd; free with hdf5_snapshot_release */
    size_t count;
    int ending;
    int code;
} hdf5_snapshot;

/* Snapshots `path`. Every attribute and dataset may expand to at most `expansion_limit` bytes, all of them together
   too; the parent reads at most `max_bytes` and gives the child `seconds` (0: no limit). Only the attributes named
   in `strings` (NULL-terminated; NULL for all) are read. Returns result->ending. */
int hdf5_snapshot_take(const char *path, uint64_t expansion_limit, size_t max_bytes, unsigned seconds, int options,
                       const char *const *strings, hdf5_snapshot *result);

void hdf5_snapshot_release(hdf5_snapshot *snapshot);

#endif
