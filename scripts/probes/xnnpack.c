/* Build-time probe: is XNNPACK installed? (see Makefile) */
#include <xnnpack.h>

int main(void)
{
	return xnn_initialize(0) != xnn_status_success;
}
