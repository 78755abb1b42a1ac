/* Build-time probe: is oneDNN installed? (see Makefile) */
#include <oneapi/dnnl/dnnl.h>

int main(void)
{
	return dnnl_version()->major < 2;
}
