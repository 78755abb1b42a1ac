/* Peer libraries (XNNPACK, oneDNN) as registry entries, when the build
 * found them; none otherwise. */
#ifndef SMX_PEERS_H
#define SMX_PEERS_H

#include <stddef.h>

#include "smx.h"

size_t smx_peer_count(void);
const struct smx_impl *smx_peer_get(size_t i);
/* "xnnpack ..., onednn 2.6.3" or "none"; for the environment record. */
const char *smx_peer_versions(void);
/* One line per peer the build did not find, for notes in outputs. */
const char *smx_peer_missing(void);

#endif
