// The doctest runner for test binaries that need nothing from the kernel beyond the basics.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
