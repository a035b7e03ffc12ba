/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The evdev side without devices: listing, resolving and error messages on
 * a staged tree (ROOT/dev/input/eventN as plain files, ROOT/sys/class/input
 * with what the kernel shows there), permission problems (as user nobody
 * when run as root), and the reader's and recorder's refusals.
 *
 * Real devices, the reader thread at work, SYN_DROPPED and unplugging are
 * tested in a VM: tests/vm/vm_evdev.c, `make check-evdev`.
 */
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rasbeat/evdev.h"
#include "testutil.h"

static char root[256];

/* From the suite's setup: no CUnit assertions here, failures count. */
static int staging_failures;

static void put(const char *rel, const char *text)
{
	char path[512], dir[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	f = fopen(path, "w");
	if (!f) {
		staging_failures++;
		return;
	}
	fputs(text, f);
	fclose(f);
	chmod(path, 0644);
}

/*
 * A device as sysfs shows it: capabilities are hex words of unsigned long,
 * the most significant first. key: BTN_0 (0x100, bit 0 of word 4) and
 * KEY_SPACE (57, word 0); abs 7: ABS_X, ABS_Y, ABS_Z.
 */
static void stage(int n, const char *name, unsigned vid, unsigned pid, const char *ev,
		  const char *key, const char *abs, const char *props)
{
	char rel[128], text[64];

	snprintf(rel, sizeof(rel), "dev/input/event%d", n);
	put(rel, "");
#define SYS(file, value)                                                               \
	do {                                                                            \
		snprintf(rel, sizeof(rel), "sys/class/input/event%d/device/%s", n, file); \
		put(rel, value);                                                         \
	} while (0)
	snprintf(text, sizeof(text), "%s\n", name);
	SYS("name", text);
	snprintf(text, sizeof(text), "%04x\n", vid);
	SYS("id/vendor", text);
	snprintf(text, sizeof(text), "%04x\n", pid);
	SYS("id/product", text);
	SYS("id/bustype", "0003\n");
	SYS("id/version", "0100\n");
	SYS("phys", "usb-0000:00:14.0-2/input0\n");
	SYS("uniq", "\n");
	SYS("properties", props);
	SYS("capabilities/ev", ev);
	SYS("capabilities/key", key);
	SYS("capabilities/abs", abs);
#undef SYS
}

static int setup(void)
{
	snprintf(root, sizeof(root), "/tmp/rasbeat-evdev-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	/* Traversable by nobody, for the permission test. */
	chmod(root, 0755);
	stage(0, "AT Translated Set 2 keyboard", 0x0001, 0x0001, "120013\n",
	      "1 0 0 0 200000000000000\n", "0\n", "0\n");
	stage(3, "Kinesis Footswitch", 0x05f3, 0x00ff, "3\n", "1 0 0 0 0\n", "0\n", "0\n");
	stage(12, "Insole Left+Right", 0x1209, 0x0002, "9\n", "0\n", "3\n", "0\n");
	stage(7, "Shoe accelerometer", 0x1209, 0x0003, "9\n", "0\n", "7\n", "40\n");
	stage(9, "Footswitch Pro", 0x05f3, 0x0100, "3\n", "1 0 0 0 0\n", "0\n", "0\n");
	return staging_failures ? -1 : 0;
}

static int teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? -1 : 0;
}

static void test_scan(void)
{
	struct ras_evdev_device *v;
	size_t n;

	CU_ASSERT_EQUAL_FATAL(ras_evdev_scan(root, &v, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 5);
	/* In number order, not name order: 0 3 7 9 12. */
	CU_ASSERT_PTR_NOT_NULL(strstr(v[0].path, "/dev/input/event0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v[2].path, "/dev/input/event7"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v[4].path, "/dev/input/event12"));
	for (size_t i = 0; i < n; i++)
		CU_ASSERT(v[i].error < 0);	/* plain files: no evdev ioctls */
	/* Name, ids and capabilities from sysfs. */
	CU_ASSERT_STRING_EQUAL(v[1].info.name, "Kinesis Footswitch");
	CU_ASSERT_EQUAL(v[1].info.vendor, 0x05f3);
	CU_ASSERT_EQUAL(v[1].info.product, 0x00ff);
	CU_ASSERT_EQUAL(v[1].info.bustype, BUS_USB);
	CU_ASSERT_STRING_EQUAL(v[1].phys, "usb-0000:00:14.0-2/input0");
	CU_ASSERT(v[1].caps);
	CU_ASSERT(v[1].info.has_key[BTN_0]);
	CU_ASSERT(!v[1].info.has_key[KEY_SPACE]);
	CU_ASSERT(v[0].info.has_key[KEY_SPACE]);
	CU_ASSERT(v[0].info.has_key[BTN_0]);
	CU_ASSERT(v[0].info.has_ev[EV_KEY] && v[0].info.has_ev[EV_REP]);
	CU_ASSERT(v[2].info.has_abs[ABS_Z]);
	CU_ASSERT(v[2].info.props & (1u << INPUT_PROP_ACCELEROMETER));
	CU_ASSERT(ras_evdev_device_serves(&v[1], RAS_SENSOR_FOOTSWITCH));
	CU_ASSERT(!ras_evdev_device_serves(&v[1], RAS_SENSOR_FORCE));
	CU_ASSERT(ras_evdev_device_serves(&v[4], RAS_SENSOR_FORCE));
	CU_ASSERT(!ras_evdev_device_serves(&v[4], RAS_SENSOR_ACCEL));
	CU_ASSERT(ras_evdev_device_serves(&v[2], RAS_SENSOR_ACCEL));
	free(v);
}

static int resolve(const char *spec, int kind, char *path, char *err)
{
	int ret = ras_evdev_resolve(spec, kind, root, path, 512, err, 2048);

	if (ret)
		CU_ASSERT(err[0] != '\0');
	return ret;
}

static bool ends_with(const char *s, const char *tail)
{
	size_t a = strlen(s), b = strlen(tail);

	return a >= b && !strcmp(s + a - b, tail);
}

static void test_resolve(void)
{
	char path[512], err[2048];

	/* A name substring, any case. */
	CU_ASSERT_EQUAL(resolve("kinesis", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event3"));
	CU_ASSERT_EQUAL(resolve("SHOE", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event7"));
	/* vendor:product, hex, short forms too. */
	CU_ASSERT_EQUAL(resolve("1209:0002", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event12"));
	CU_ASSERT_EQUAL(resolve("5F3:FF", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event3"));
	/* eventN and paths. */
	CU_ASSERT_EQUAL(resolve("event9", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event9"));
	snprintf(err, sizeof(err), "%s/dev/input/event0", root);
	CU_ASSERT_EQUAL(resolve(err, -1, path, err + 1024), 0);
	CU_ASSERT_STRING_EQUAL(path, err);

	/* Several: all of them listed. */
	CU_ASSERT_EQUAL(resolve("footswitch", -1, path, err), -ENOTUNIQ);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "2 devices match"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "event3  05f3:00ff  \"Kinesis Footswitch\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "event9  05f3:0100  \"Footswitch Pro\""));
	/* The exact name wins over substrings. */
	CU_ASSERT_EQUAL(resolve("footswitch pro", -1, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event9"));
	/* Of those matching, only one can serve the kind. */
	/* Not ids, and no name has it. */
	CU_ASSERT_EQUAL(resolve("1209:", -1, path, err), -ENODEV);
	CU_ASSERT_EQUAL(resolve("e", -1, path, err), -ENOTUNIQ);
	CU_ASSERT_EQUAL(resolve("o", RAS_SENSOR_ACCEL, path, err), 0);
	CU_ASSERT(ends_with(path, "/dev/input/event7"));
	/* Several can serve it: still ambiguous. */
	CU_ASSERT_EQUAL(resolve("o", RAS_SENSOR_FOOTSWITCH, path, err), -ENOTUNIQ);

	/* None: say what there is. */
	CU_ASSERT_EQUAL(resolve("treadmill", -1, path, err), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no input device has that in its name"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Shoe accelerometer"));
	CU_ASSERT_EQUAL(resolve("dead:beef", -1, path, err), -ENODEV);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "vendor:product"));
	CU_ASSERT_EQUAL(resolve("event42", -1, path, err), -ENODEV);
	CU_ASSERT_EQUAL(resolve("/dev/input/by-id/nothing-here", -1, path, err), -ENODEV);
	CU_ASSERT_EQUAL(resolve("", -1, path, err), -EINVAL);
	CU_ASSERT_EQUAL(ras_evdev_resolve("foot", -1, "/nonexistent-root", path, 512, err, 2048),
			-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no input devices"));
	/* Too small a buffer is an error, not a cut path. */
	CU_ASSERT_EQUAL(ras_evdev_resolve("kinesis", -1, root, path, 8, err, 2048), -ENAMETOOLONG);
}

static void test_print(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	CU_ASSERT_EQUAL(ras_evdev_print_devices(f, root), 5);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "DEVICE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "05f3:00ff  footswitch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "Kinesis Footswitch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "keys 1: BTN_0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "axis ABS_Z (range unknown)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "accelerometer (INPUT_PROP_ACCELEROMETER)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "cannot open: not an input event device") ||
			       strstr(text, "cannot open: Inappropriate ioctl"));
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	CU_ASSERT_EQUAL(ras_evdev_print_devices(f, "/nonexistent-root"), -ENOENT);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "no input devices"));
	free(text);
}

/*
 * Nodes only root may open: as nobody (we fork and drop root when we are
 * root; otherwise we are somebody already), the listing names every device,
 * says why it cannot be opened and how to fix it, with a rule for each
 * possible sensor but not for the built-in keyboard.
 */
static void test_permission(void)
{
	char *text = NULL, path[512];
	int pipefd[2], status;
	char buf[8192];
	ssize_t len = 0, got;
	pid_t pid;

	/* Root's own files: nobody cannot open 0600; a user needs 0000. */
	for (int n = 0; n < 13; n++) {
		snprintf(path, sizeof(path), "%s/dev/input/event%d", root, n);
		chmod(path, getuid() == 0 ? 0600 : 0);
	}
	CU_ASSERT_FATAL(pipe(pipefd) == 0);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct ras_evdev_reader_config cfg = { .path = path };
		char err[1024];
		size_t tlen = 0;
		FILE *f, *out = fdopen(pipefd[1], "w");

		close(pipefd[0]);
		if (getuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(99);
		if (getuid() == 0)
			_exit(98);
		f = open_memstream(&text, &tlen);
		fprintf(out, "%d\n", ras_evdev_print_devices(f, root));
		fclose(f);
		fputs(text, out);
		snprintf(path, sizeof(path), "%s/dev/input/event3", root);
		{
			void *r = ras_evdev_reader_new(&cfg, err, sizeof(err));
			int e = errno;

			fprintf(out, "reader=%p errno=%d: %s\n", r, e, err);
		}
		fclose(out);
		_exit(0);
	}
	close(pipefd[1]);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (got = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	buf[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(atoi(buf), 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "cannot open: permission denied"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "5 of 5 devices could not be opened: "
					   "permission denied"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ATTRS{id/vendor}==\"05f3\", "
					   "ATTRS{id/product}==\"00ff\", TAG+=\"uaccess\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ATTRS{id/product}==\"0003\""));
	/* The staged keyboard says it is on USB, so only the name could tell;
	 * what matters: no more than one line per device. */
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "udevadm trigger"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "reader=(nil) errno=13"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "event3: permission denied"));
	for (int n = 0; n < 13; n++) {
		snprintf(path, sizeof(path), "%s/dev/input/event%d", root, n);
		chmod(path, 0644);
	}
}

static void test_reader_refuses(void)
{
	struct ras_evdev_reader_config cfg = { 0 };
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/dev/input/event3", root);
	cfg.path = path;
	CU_ASSERT_PTR_NULL(ras_evdev_reader_new(&cfg, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, ENOTTY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an input event device"));
	snprintf(path, sizeof(path), "%s/dev/input/event99", root);
	CU_ASSERT_PTR_NULL(ras_evdev_reader_new(&cfg, err, sizeof(err)));
	CU_ASSERT_EQUAL(errno, ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "event99: no such device"));
}

static void test_record_refuses(void)
{
	const char *out = test_path("never.evemu");
	char path[512], err[512];
	long ret;

	snprintf(path, sizeof(path), "%s/dev/input/event7", root);
	ret = ras_evdev_record(path, out, 1, NULL, NULL, err, sizeof(err));
	CU_ASSERT_EQUAL(ret, -ENOTTY);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an input event device"));
	/* Nothing left behind, not even a temporary file. */
	CU_ASSERT_EQUAL(access(out, F_OK), -1);
}

static void test_probe(void)
{
	struct ras_evdev_device d;
	char path[512], err[512];

	snprintf(path, sizeof(path), "%s/dev/input/event3", root);
	CU_ASSERT_EQUAL(ras_evdev_probe(path, &d, err, sizeof(err)), -ENOTTY);
	CU_ASSERT_EQUAL(d.error, -ENOTTY);
	CU_ASSERT_STRING_EQUAL(d.path, path);
	/* Its own path field as the argument. */
	CU_ASSERT_EQUAL(ras_evdev_probe(d.path, &d, err, sizeof(err)), -ENOTTY);
	CU_ASSERT_STRING_EQUAL(d.path, path);
}

/* A libevdev handle needs no device: built from scratch, described. */
static void test_device_info(void)
{
	static const struct input_absinfo abs = { .value = 3, .minimum = -2048, .maximum = 2047,
						  .fuzz = 4, .flat = 5, .resolution = 256 };
	struct libevdev *dev = libevdev_new();
	struct ras_device_info info;

	CU_ASSERT_PTR_NOT_NULL_FATAL(dev);
	libevdev_set_name(dev, "Shoe accelerometer");
	libevdev_set_id_bustype(dev, BUS_BLUETOOTH);
	libevdev_set_id_vendor(dev, 0x1209);
	libevdev_set_id_product(dev, 0x0003);
	libevdev_set_id_version(dev, 0x0111);
	libevdev_enable_property(dev, INPUT_PROP_ACCELEROMETER);
	libevdev_enable_event_code(dev, EV_ABS, ABS_Z, &abs);
	libevdev_enable_event_code(dev, EV_KEY, BTN_0, NULL);
	ras_evdev_device_info(dev, &info);
	libevdev_free(dev);
	CU_ASSERT_STRING_EQUAL(info.name, "Shoe accelerometer");
	CU_ASSERT_EQUAL(info.bustype, BUS_BLUETOOTH);
	CU_ASSERT_EQUAL(info.vendor, 0x1209);
	CU_ASSERT_EQUAL(info.product, 0x0003);
	CU_ASSERT_EQUAL(info.version, 0x0111);
	CU_ASSERT_EQUAL(info.props, 1u << INPUT_PROP_ACCELEROMETER);
	CU_ASSERT(info.has_ev[EV_ABS] && info.has_ev[EV_KEY] && !info.has_ev[EV_REL]);
	CU_ASSERT(info.has_abs[ABS_Z] && !info.has_abs[ABS_X]);
	CU_ASSERT(info.has_key[BTN_0] && !info.has_key[BTN_1]);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].value, 3);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].minimum, -2048);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].maximum, 2047);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].fuzz, 4);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].flat, 5);
	CU_ASSERT_EQUAL(info.abs[ABS_Z].resolution, 256);
}

void test_evdev_register(void)
{
	CU_pSuite s = CU_add_suite("evdev", setup, teardown);

	CU_add_test(s, "scan: order, sysfs names, ids, capabilities", test_scan);
	CU_add_test(s, "resolve: names, ids, paths, ambiguity, errors", test_resolve);
	CU_add_test(s, "print: the devices table", test_print);
	CU_add_test(s, "permission denied: explained, udev rule", test_permission);
	CU_add_test(s, "reader: refuses what is not a device", test_reader_refuses);
	CU_add_test(s, "record: refuses, leaves nothing", test_record_refuses);
	CU_add_test(s, "probe", test_probe);
	CU_add_test(s, "device info from a libevdev handle", test_device_info);
}
