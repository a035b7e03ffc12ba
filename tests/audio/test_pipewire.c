/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "testutil.h"

void test_pipewire_register(void)
{
}
