/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Input device listing, description and `--input SPEC` resolution. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rasbeat/evdev.h"
#include "evdev-priv.h"

void ras_evdev_device_info(const struct libevdev *cdev, struct ras_device_info *out)
{
	/* libevdev's getters take a non-const handle but do not change it. */
	struct libevdev *dev = (struct libevdev *)cdev;
	const char *name = libevdev_get_name(dev);

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name ? name : "");
	out->bustype = (uint16_t)libevdev_get_id_bustype(dev);
	out->vendor = (uint16_t)libevdev_get_id_vendor(dev);
	out->product = (uint16_t)libevdev_get_id_product(dev);
	out->version = (uint16_t)libevdev_get_id_version(dev);
	for (unsigned p = 0; p < 32 && p <= INPUT_PROP_MAX; p++)
		if (libevdev_has_property(dev, p))
			out->props |= 1u << p;
	for (unsigned t = 0; t < 32 && t <= EV_MAX; t++)
		out->has_ev[t] = libevdev_has_event_type(dev, t);
	for (unsigned c = 0; c < RAS_KEY_COUNT; c++)
		out->has_key[c] = libevdev_has_event_code(dev, EV_KEY, c);
	for (unsigned c = 0; c < RAS_ABS_COUNT; c++) {
		const struct input_absinfo *a = libevdev_get_abs_info(dev, c);

		if (!libevdev_has_event_code(dev, EV_ABS, c) || !a)
			continue;
		out->has_abs[c] = 1;
		out->abs[c] = (struct ras_absinfo){ a->value, a->minimum, a->maximum,
						    a->fuzz, a->flat, a->resolution };
	}
}

/* ---- sysfs ---------------------------------------------------------- */

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return 0;
}

static unsigned read_hex(const char *dir, const char *file)
{
	char path[RAS_EVDEV_PATH_MAX + 32], buf[32];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_line(path, buf, sizeof(buf)))
		return 0;
	return (unsigned)strtoul(buf, NULL, 16);
}

/* A capabilities file: hex words (unsigned long), most significant first. */
static void read_bits(const char *dir, const char *file, uint8_t *bits, size_t nbits)
{
	char path[RAS_EVDEV_PATH_MAX + 32], buf[1024];
	unsigned long words[64];
	size_t n = 0;
	char *p = buf, *end;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (read_line(path, buf, sizeof(buf)))
		return;
	while (n < 64) {
		unsigned long w = strtoul(p, &end, 16);

		if (end == p)
			break;
		words[n++] = w;
		p = end;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned long w = words[n - 1 - i];	/* word i from the least */

		for (unsigned b = 0; b < 8 * sizeof(long); b++) {
			size_t bit = i * 8 * sizeof(long) + b;

			if (bit < nbits && (w >> b) & 1)
				bits[bit] = 1;
		}
	}
}

int ras_evdev_sysfs_read(const char *root, const char *node, struct ras_evdev_device *d)
{
	char dir[RAS_EVDEV_PATH_MAX], path[RAS_EVDEV_PATH_MAX + 32];
	uint8_t ev[32] = { 0 }, props[32] = { 0 };
	int ret;

	snprintf(dir, sizeof(dir), "%s/sys/class/input/%s/device", root ? root : "", node);
	snprintf(path, sizeof(path), "%s/name", dir);
	ret = read_line(path, d->info.name, sizeof(d->info.name));
	if (ret)
		return ret;
	d->info.bustype = (uint16_t)read_hex(dir, "id/bustype");
	d->info.vendor = (uint16_t)read_hex(dir, "id/vendor");
	d->info.product = (uint16_t)read_hex(dir, "id/product");
	d->info.version = (uint16_t)read_hex(dir, "id/version");
	snprintf(path, sizeof(path), "%s/phys", dir);
	read_line(path, d->phys, sizeof(d->phys));
	snprintf(path, sizeof(path), "%s/uniq", dir);
	read_line(path, d->uniq, sizeof(d->uniq));
	/* Capabilities without absinfo: enough to tell what it can serve. */
	read_bits(dir, "capabilities/ev", ev, 32);
	read_bits(dir, "properties", props, 32);
	read_bits(dir, "capabilities/key", d->info.has_key, RAS_KEY_COUNT);
	read_bits(dir, "capabilities/abs", d->info.has_abs, RAS_ABS_COUNT);
	for (int i = 0; i < 32; i++) {
		d->info.has_ev[i] = ev[i];
		d->info.props |= (uint32_t)props[i] << i;
	}
	d->caps = ev[EV_SYN] != 0;
	return 0;
}

bool ras_evdev_same_device(const struct ras_evdev_device *a, const struct ras_evdev_device *b)
{
	/* uniq is a serial number when set; phys (the port) may change on
	 * replug, so the caller only prefers it. */
	return strcmp(a->info.name, b->info.name) == 0 && a->info.bustype == b->info.bustype &&
	       a->info.vendor == b->info.vendor && a->info.product == b->info.product &&
	       (!a->uniq[0] || !b->uniq[0] || strcmp(a->uniq, b->uniq) == 0);
}

/* ---- explaining errors ---------------------------------------------- */

/* Name of the group owning `path`, or "" */
static void node_group(const char *path, char *buf, size_t len)
{
	struct group gr, *res = NULL;
	char tmp[4096];
	struct stat st;

	buf[0] = '\0';
	if (stat(path, &st) == 0 && getgrgid_r(st.st_gid, &gr, tmp, sizeof(tmp), &res) == 0 &&
	    res)
		snprintf(buf, len, "%s", res->gr_name);
}

/* The user is listed in the group but this process is not in it: the
 * session predates `usermod -aG`. */
static bool group_needs_relogin(const char *group)
{
	struct group gr, *res = NULL;
	struct passwd pw, *pres = NULL;
	char tmp[8192], ptmp[4096];
	gid_t groups[256];
	int n;

	if (getgrnam_r(group, &gr, tmp, sizeof(tmp), &res) || !res)
		return false;
	n = getgroups(256, groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gr.gr_gid)
			return false;
	if (getgid() == gr.gr_gid)
		return false;
	if (getpwuid_r(getuid(), &pw, ptmp, sizeof(ptmp), &pres) || !pres)
		return false;
	for (char **m = gr.gr_mem; m && *m; m++)
		if (strcmp(*m, pw.pw_name) == 0)
			return true;
	return false;
}

void ras_evdev_explain(int error, const char *path, char *err, size_t errlen)
{
	char group[64];

	switch (-error) {
	case EACCES:
	case EPERM:
		node_group(path, group, sizeof(group));
		if (group[0] && strcmp(group, "root") && group_needs_relogin(group))
			snprintf(err, errlen,
				 "%s: permission denied: you are in group '%s' but this session "
				 "started before that; log out and in again",
				 path, group);
		else if (group[0] && strcmp(group, "root"))
			snprintf(err, errlen,
				 "%s: permission denied: the device belongs to group '%s'; "
				 "add yourself (sudo usermod -aG %s $USER) and log in again, "
				 "or see 'rasbeat devices' for a udev rule",
				 path, group, group);
		else
			snprintf(err, errlen,
				 "%s: permission denied; see 'rasbeat devices' for a udev rule",
				 path);
		break;
	case ENOENT:
		snprintf(err, errlen, "%s: no such device", path);
		break;
	case ENODEV:
		snprintf(err, errlen, "%s: the device is gone (unplugged?)", path);
		break;
	case ENOTTY:
	case EINVAL:
		snprintf(err, errlen, "%s: not an input event device", path);
		break;
	default:
		snprintf(err, errlen, "%s: %s", path, strerror(-error));
	}
}

int ras_evdev_probe(const char *cpath, struct ras_evdev_device *out, char *err, size_t errlen)
{
	struct libevdev *dev = NULL;
	char path[RAS_EVDEV_PATH_MAX];
	int fd, ret;

	snprintf(path, sizeof(path), "%s", cpath);	/* may be out->path */
	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s", path);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ret = fd < 0 ? -errno : libevdev_new_from_fd(fd, &dev);
	if (ret) {
		if (fd >= 0)
			close(fd);
		out->error = ret;
		ras_evdev_explain(ret, path, err, errlen);
		return ret;
	}
	ras_evdev_device_info(dev, &out->info);
	snprintf(out->phys, sizeof(out->phys), "%s", libevdev_get_phys(dev) ?: "");
	snprintf(out->uniq, sizeof(out->uniq), "%s", libevdev_get_uniq(dev) ?: "");
	out->caps = true;
	libevdev_free(dev);
	close(fd);
	return 0;
}

/* ---- listing -------------------------------------------------------- */

static int event_number(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "event", 5) || !isdigit((unsigned char)name[5]))
		return -1;
	n = strtol(name + 5, &end, 10);
	return *end || n > 1 << 20 ? -1 : (int)n;
}

static int by_number(const void *a, const void *b)
{
	const char *x = strrchr(((const struct ras_evdev_device *)a)->path, '/');
	const char *y = strrchr(((const struct ras_evdev_device *)b)->path, '/');

	return event_number(x + 1) - event_number(y + 1);
}

int ras_evdev_scan(const char *root, struct ras_evdev_device **list, size_t *n)
{
	char dir[RAS_EVDEV_PATH_MAX], path[RAS_EVDEV_PATH_MAX], err[256];
	struct ras_evdev_device *v = NULL;
	size_t cap = 0, count = 0;
	struct dirent *de;
	DIR *d;

	*list = NULL;
	*n = 0;
	snprintf(dir, sizeof(dir), "%s/dev/input", root ? root : "");
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct ras_evdev_device *x;

		if (event_number(de->d_name) < 0)
			continue;
		if (count == cap) {
			struct ras_evdev_device *nv;

			cap = cap ? 2 * cap : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		x = &v[count++];
		if (ras_evdev_probe(path, x, err, sizeof(err)) == 0)
			continue;
		/* Name, ids and capabilities from sysfs, which needs no
		 * permission: the listing still says what the device is. */
		ras_evdev_sysfs_read(root, de->d_name, x);
	}
	closedir(d);
	if (count)
		qsort(v, count, sizeof(*v), by_number);
	*list = v;
	*n = count;
	return 0;
}

bool ras_evdev_device_serves(const struct ras_evdev_device *d, enum ras_sensor_kind kind)
{
	return d->caps && ras_detect_device_fits(&d->info, kind);
}

/* ---- printing ------------------------------------------------------- */

static const char *bus_name(unsigned bus)
{
	switch (bus) {
	case BUS_USB: return "usb";
	case BUS_BLUETOOTH: return "bluetooth";
	case BUS_VIRTUAL: return "virtual";
	case BUS_I2C: return "i2c";
	case BUS_SPI: return "spi";
	case BUS_I8042: return "i8042";
	case BUS_HOST: return "host";
	case BUS_PCI: return "pci";
	case BUS_RS232: return "serial";
	case BUS_HIL: return "hil";
	default: return "other";
	}
}

static void code_name(unsigned type, unsigned code, char *buf, size_t len)
{
	const char *s = libevdev_event_code_get_name(type, code);

	if (s)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%s_%#x", type == EV_KEY ? "KEY" : "ABS", code);
}

static void print_caps(FILE *f, const struct ras_evdev_device *d, const char *indent)
{
	const struct ras_device_info *in = &d->info;
	int keys = 0, shown = 0, axes = 0;
	char name[64];

	for (int c = 0; c < RAS_KEY_COUNT; c++)
		keys += in->has_key[c] != 0;
	if (keys) {
		fprintf(f, "%skeys %d:", indent, keys);
		for (int c = 0; c < RAS_KEY_COUNT && shown < 6; c++) {
			if (!in->has_key[c])
				continue;
			code_name(EV_KEY, c, name, sizeof(name));
			fprintf(f, " %s", name);
			shown++;
		}
		fprintf(f, "%s\n", keys > shown ? " ..." : "");
	}
	for (int c = 0; c < RAS_ABS_COUNT; c++) {
		const struct ras_absinfo *a = &in->abs[c];

		if (!in->has_abs[c])
			continue;
		if (axes == 8) {
			fprintf(f, "%s  ...\n", indent);
			break;
		}
		code_name(EV_ABS, c, name, sizeof(name));
		if (d->error)
			fprintf(f, "%saxis %s (range unknown)\n", indent, name);
		else
			fprintf(f, "%saxis %s %d..%d resolution %d%s\n", indent, name, a->minimum,
				a->maximum, a->resolution,
				in->props & (1u << INPUT_PROP_ACCELEROMETER) ? "/g" : "");
		axes++;
	}
	if (in->props & (1u << INPUT_PROP_ACCELEROMETER))
		fprintf(f, "%saccelerometer (INPUT_PROP_ACCELEROMETER)\n", indent);
	if (d->phys[0])
		fprintf(f, "%sphys %s\n", indent, d->phys);
	if (d->uniq[0])
		fprintf(f, "%suniq %s\n", indent, d->uniq);
}

/* Built into the machine (keyboard, lid, power button): not a sensor one
 * would write a udev rule for. */
static bool built_in(const struct ras_evdev_device *d)
{
	return d->info.bustype == BUS_I8042 || d->info.bustype == BUS_HOST;
}

static bool denied(const struct ras_evdev_device *d)
{
	return d->error == -EACCES || d->error == -EPERM;
}

static void print_permission_help(FILE *f, const struct ras_evdev_device *v, size_t n,
				  size_t ndenied)
{
	const struct ras_evdev_device *first = NULL;
	char group[64] = "";
	int rules = 0;

	for (size_t i = 0; i < n && !first; i++)
		if (denied(&v[i]))
			first = &v[i];
	if (!first)
		return;
	node_group(first->path, group, sizeof(group));
	fprintf(f, "\n%zu of %zu devices could not be opened: permission denied.\n", ndenied, n);
	if (group[0] && strcmp(group, "root") && group_needs_relogin(group)) {
		fprintf(f, "You are in group '%s', but this session started before that:\n"
			   "log out and in again.\n", group);
		return;
	}
	if (group[0] && strcmp(group, "root"))
		fprintf(f, "The device nodes belong to group '%s'. Either add yourself to it:\n"
			   "    sudo usermod -aG %s $USER      (then log out and in again)\n"
			   "or give just the sensor to whoever sits at this computer, with a\n"
			   "udev rule in /etc/udev/rules.d/70-rasbeat.rules:\n",
			group, group);
	else
		fprintf(f, "Give the sensor to whoever sits at this computer with a udev rule\n"
			   "in /etc/udev/rules.d/70-rasbeat.rules:\n");
	/* A line for each device that could be a sensor, up to a few. */
	for (size_t i = 0; i < n && rules < 5; i++) {
		const struct ras_evdev_device *d = &v[i];
		bool sensor = false;

		for (int k = RAS_SENSOR_FOOTSWITCH; k <= RAS_SENSOR_ACCEL; k++)
			sensor |= ras_evdev_device_serves(d, k);
		if (!denied(d) || !sensor || built_in(d))
			continue;
		fprintf(f, "    SUBSYSTEM==\"input\", ATTRS{id/vendor}==\"%04x\", "
			   "ATTRS{id/product}==\"%04x\", TAG+=\"uaccess\"    # %s\n",
			d->info.vendor, d->info.product, d->info.name);
		rules++;
	}
	if (!rules)
		fprintf(f, "    SUBSYSTEM==\"input\", ATTRS{id/vendor}==\"VVVV\", "
			   "ATTRS{id/product}==\"PPPP\", TAG+=\"uaccess\"\n"
			   "(VVVV:PPPP from the ID column above)\n");
	fprintf(f, "then: sudo udevadm control --reload && sudo udevadm trigger\n");
}

int ras_evdev_print_devices(FILE *f, const char *root)
{
	const char *indent = "    ";
	struct ras_evdev_device *v;
	size_t n, ndenied = 0;
	int ret = ras_evdev_scan(root, &v, &n);

	if (ret) {
		fprintf(f, "no input devices: %s/dev/input: %s\n", root ? root : "",
			strerror(-ret));
		return ret;
	}
	if (!n) {
		fprintf(f, "no input devices in %s/dev/input\n", root ? root : "");
		free(v);
		return 0;
	}
	fprintf(f, "%-20s %-9s %-9s  %-24s %s\n", "DEVICE", "BUS", "ID", "SERVES", "NAME");
	for (size_t i = 0; i < n; i++) {
		const struct ras_evdev_device *d = &v[i];
		char serves[64] = "", errbuf[512];
		const char *name = d->info.name[0] ? d->info.name : "?";

		for (int k = RAS_SENSOR_FOOTSWITCH; k <= RAS_SENSOR_ACCEL; k++) {
			if (!ras_evdev_device_serves(d, k))
				continue;
			if (serves[0])
				strcat(serves, ",");
			strcat(serves, ras_sensor_kind_name(k));
		}
		fprintf(f, "%-20s %-9s %04x:%04x  %-24s %s\n", d->path, bus_name(d->info.bustype),
			d->info.vendor, d->info.product, serves[0] ? serves : "-", name);
		if (d->error) {
			/* "PATH: why" without the path, which the row has. */
			ras_evdev_explain(d->error, d->path, errbuf, sizeof(errbuf));
			fprintf(f, "%scannot open: %s\n", indent,
				denied(d) ? "permission denied" : errbuf + strlen(d->path) + 2);
			ndenied += denied(d);
		}
		print_caps(f, d, indent);
	}
	print_permission_help(f, v, n, ndenied);
	free(v);
	return (int)n;
}

/* ---- resolving --------------------------------------------------------- */

static bool parse_ids(const char *spec, unsigned *vid, unsigned *pid)
{
	size_t a = strspn(spec, "0123456789abcdefABCDEF");

	if (a < 1 || a > 4 || spec[a] != ':')
		return false;
	size_t b = strspn(spec + a + 1, "0123456789abcdefABCDEF");

	if (b < 1 || b > 4 || spec[a + 1 + b])
		return false;
	*vid = (unsigned)strtoul(spec, NULL, 16);
	*pid = (unsigned)strtoul(spec + a + 1, NULL, 16);
	return true;
}

static void list_matches(char *err, size_t errlen, const struct ras_evdev_device *v,
			 const size_t *idx, size_t n)
{
	size_t len = strlen(err);

	for (size_t i = 0; i < n && len + 1 < errlen; i++) {
		const struct ras_evdev_device *d = &v[idx[i]];

		snprintf(err + len, errlen - len, "\n  %s  %04x:%04x  \"%s\"", d->path,
			 d->info.vendor, d->info.product, d->info.name);
		len += strlen(err + len);
	}
}

int ras_evdev_resolve(const char *spec, int kind, const char *root, char *path, size_t pathlen,
		      char *err, size_t errlen)
{
	struct ras_evdev_device *v;
	size_t n, *idx, m = 0, exact = 0;
	unsigned vid = 0, pid = 0;
	bool ids;
	int ret;

	if (!spec || !*spec) {
		snprintf(err, errlen, "--input: empty device name");
		return -EINVAL;
	}
	if (strchr(spec, '/') || event_number(spec) >= 0) {
		char p[RAS_EVDEV_PATH_MAX];
		struct stat st;

		if (strchr(spec, '/'))
			snprintf(p, sizeof(p), "%s", spec);
		else
			snprintf(p, sizeof(p), "%s/dev/input/%s", root ? root : "", spec);
		if (stat(p, &st)) {
			snprintf(err, errlen, "--input %s: no such device (see 'rasbeat devices')",
				 p);
			return -ENODEV;
		}
		if ((size_t)snprintf(path, pathlen, "%s", p) >= pathlen) {
			snprintf(err, errlen, "--input %s: path too long", p);
			return -ENAMETOOLONG;
		}
		return 0;
	}
	ret = ras_evdev_scan(root, &v, &n);
	if (ret || !n) {
		snprintf(err, errlen, "--input %s: no input devices (%s/dev/input: %s)", spec,
			 root ? root : "", ret ? strerror(-ret) : "empty");
		if (!ret)
			free(v);
		return -ENOENT;
	}
	idx = calloc(n, sizeof(*idx));
	if (!idx) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ids = parse_ids(spec, &vid, &pid);
	/* Exact names first: "Foot" must not be ambiguous with "Foot 2". */
	for (size_t i = 0; !ids && i < n; i++)
		if (strcasecmp(v[i].info.name, spec) == 0)
			idx[m++] = i;
	exact = m;
	for (size_t i = 0; !exact && i < n; i++) {
		if (ids ? v[i].info.vendor == vid && v[i].info.product == pid
			: strcasestr(v[i].info.name, spec) != NULL)
			idx[m++] = i;
	}
	if (m > 1 && kind >= 0) {
		size_t k = 0;

		for (size_t i = 0; i < m; i++)
			if (ras_evdev_device_serves(&v[idx[i]], (enum ras_sensor_kind)kind))
				idx[k++] = idx[i];
		if (k)
			m = k;
	}
	if (m == 1) {
		if ((size_t)snprintf(path, pathlen, "%s", v[idx[0]].path) >= pathlen) {
			snprintf(err, errlen, "--input %s: path too long", spec);
			ret = -ENAMETOOLONG;
		}
	} else if (m == 0) {
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		snprintf(err, errlen, "--input %s: no input device %s; there are:", spec,
			 ids ? "has that vendor:product" : "has that in its name");
		list_matches(err, errlen, v, idx, n);
		ret = -ENODEV;
	} else {
		snprintf(err, errlen,
			 "--input %s: %zu devices match; give a longer name, vendor:product "
			 "or the path:", spec, m);
		list_matches(err, errlen, v, idx, m);
		ret = -ENOTUNIQ;
	}
	free(idx);
	free(v);
	return ret;
}
