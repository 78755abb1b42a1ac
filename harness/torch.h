/* PyTorch's CPU softmax and log-softmax in the report, through the route
 * any outputs computed elsewhere take: scripts/torch_dump.py writes the
 * logits and PyTorch's outputs as .npy, and they are measured as
 * `smx accuracy --input X --outputs NAME=Y` measures them. PyTorch is an
 * optional dependency (Debian's python3-torch): without it the report says
 * so in one line. */
#ifndef SMX_TORCH_H
#define SMX_TORCH_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

/* The interpreter that runs the script: $SMX_PYTHON, else Debian's
 * /usr/bin/python3 (the one python3-torch installs for). */
const char *smx_torch_python(void);

/* Dump into dir/torch (its log dir/torch.log) with the script in scripts/,
 * and add one row per output set to t (smx_torch_init's columns). Returns
 * the rows added; with none, note says why in one line. Never fails the
 * report: a missing PyTorch or a failed script is a note. */
void smx_torch_init(struct smx_table *t);
size_t smx_torch_rows(const char *dir, const char *scripts, uint64_t seed, struct smx_table *t,
		      char *note, size_t len);

#endif
