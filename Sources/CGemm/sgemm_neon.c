#include "kernels.h"
CGEMM_UNAVAILABLE(neon)
