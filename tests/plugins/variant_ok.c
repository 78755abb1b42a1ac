/* Control: every variant applied as smx's prelude applies it. Passes
 * accuracy under each variant (tests/test_variant.c). */
#include "variant_softmax.h"
