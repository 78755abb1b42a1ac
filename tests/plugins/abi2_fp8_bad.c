/* Test plug-in: abi2_fp8.c asking an output format of a log-softmax. */
#define SMX_TEST_BAD_FP8 1
#include "abi2_fp8.c"
