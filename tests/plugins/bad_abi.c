/* Test plug-in: an ABI version smx does not know. */
#include "smx_plugin.h"

const struct smx_plugin smx_plugin = {SMX_PLUGIN_ABI + 41, 0, NULL};
