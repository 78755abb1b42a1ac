/* Test plug-in: a recipe whose storage in is not the entry's dtype. */
#define SMX_TEST_BAD_RECIPE 1
#include "abi2_recipe.c"
