// The HDF5 C library, with functions for the identifiers Swift cannot import: HDF5 defines them as
// macros that call H5open() and read a global.
#include <hdf5.h>

static inline hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t chdf5_c_s1(void) { return H5T_C_S1; }
static inline hid_t chdf5_default(void) { return H5P_DEFAULT; }
static inline hid_t chdf5_all(void) { return H5S_ALL; }
static inline unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
static inline hid_t chdf5_ieee_f32le(void) { return H5T_IEEE_F32LE; }
static inline size_t chdf5_variable_size(void) { return H5T_VARIABLE; }
/// Turns off HDF5's printing of its error stack to stderr; callers report errors themselves.
/* A dataset-creation property list (for tests that write crafted files). */
static inline hid_t chdf5_dataset_create(void) { return H5Pcreate(H5P_DATASET_CREATE); }
static inline void chdf5_silence_errors(void) { H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
