/* smx hunt as a function: a worst-case search of one entry, for vet. */
#ifndef SMX_HUNT_H
#define SMX_HUNT_H

#include <stdint.h>

#include "smx.h"

/* Search rows that break im's claim or edge policy for about seconds
 * (shrinking a violation for up to half as long again); each finding is
 * printed on smx's output with the command that replays it. Returns the
 * number of violations (a search that measured nothing counts as one). */
int smx_hunt_entry(const struct smx_impl *im, double seconds, uint64_t seed);

#endif
