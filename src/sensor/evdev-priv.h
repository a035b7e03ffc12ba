/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between src/sensor/devices.c and src/sensor/evdev.c. */
#ifndef RASBEAT_EVDEV_PRIV_H
#define RASBEAT_EVDEV_PRIV_H

#include "rasbeat/evdev.h"

/* Name, ids, phys, uniq and capabilities (no absinfo) of ROOT/dev/input/NODE
 * from sysfs, which needs no permission. 0 or -errno. */
int ras_evdev_sysfs_read(const char *root, const char *node, struct ras_evdev_device *d);
/* Name, bus, vendor, product and (when both have one) uniq agree. */
bool ras_evdev_same_device(const struct ras_evdev_device *a, const struct ras_evdev_device *b);
/* err = "PATH: what went wrong and what to do", for a -errno from opening. */
void ras_evdev_explain(int error, const char *path, char *err, size_t errlen);

#endif
