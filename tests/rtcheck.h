/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Count malloc/calloc/realloc/free, aligned allocations and pthread_mutex_lock calls made by this
 * thread between arm and disarm (see rtcheck.c). */
#ifndef RASBEAT_RTCHECK_H
#define RASBEAT_RTCHECK_H

void rtcheck_arm(void);
/* Disarm and return the violations counted since arming. */
int rtcheck_disarm(void);

#endif
