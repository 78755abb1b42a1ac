/* Test plug-in: a shared object without the smx_plugin symbol. */
int smx_not_a_plugin(void);

int smx_not_a_plugin(void)
{
	return 0;
}
