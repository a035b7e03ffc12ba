/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rtpreload: preloaded into `rasbeat play` by the tests (LD_PRELOAD) to prove
 * the audio thread never allocates, locks, sleeps or does file I/O.
 *
 * src/audio/jack.c calls ras_rt_enter() and ras_rt_leave() around its
 * process callback when they exist (weak references: in a normal run they
 * do not). Between the two this library counts every call to the allocator
 * (malloc, calloc, realloc, free, the aligned ones), to mutexes, condition
 * variables and semaphores, to sleeping, and to read/write/open/fsync/poll.
 * At exit it writes "cycles N violations M first NAME" to the file named by
 * RASBEAT_RTCHECK_OUT. RASBEAT_RTCHECK_SELFTEST=1 makes the first armed
 * cycle allocate once, so a test can see that the check itself works.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
#endif

static _Thread_local int armed;
static atomic_long cycles, violations;
static _Atomic(const char *) first;
static int selftest = -1;

static void hit(const char *what)
{
	const char *none = NULL;

	if (!armed)
		return;
	atomic_fetch_add(&violations, 1);
	atomic_compare_exchange_strong(&first, &none, what);
}

void ras_rt_enter(void);
void ras_rt_leave(void);

void ras_rt_enter(void)
{
	armed = 1;
	if (atomic_fetch_add(&cycles, 1) == 100 && selftest == 1) {
#ifdef __SANITIZE_ADDRESS__
		static void *volatile kept;	/* reachable: no leak */

		kept = malloc(1);	/* counted: the check works */
		(void)kept;
#else
		__libc_free(malloc(1));	/* counted: the check works */
#endif
	}
}

void ras_rt_leave(void)
{
	armed = 0;
}

#define NEXT(ret, name, ...)                                                    \
	static ret (*next_##name)(__VA_ARGS__);                                 \
	if (!next_##name)                                                       \
		next_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

#ifdef __SANITIZE_ADDRESS__
/* Built with -fsanitize=address for a sanitized rasbeat (make check-asan):
 * the allocator is ASan's, so it is not replaced here; its hooks count the
 * same calls instead. Run with ASAN_OPTIONS=verify_asan_link_order=0: this
 * library is preloaded ahead of the ASan runtime. */
int __sanitizer_install_malloc_and_free_hooks(void (*)(const volatile void *, size_t),
					      void (*)(const volatile void *));

static void malloc_hook(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	hit("malloc");
}

static void free_hook(const volatile void *p)
{
	(void)p;
	hit("free");
}

__attribute__((constructor)) static void install_hooks(void)
{
	__sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook);
}
#else
void *malloc(size_t n)
{
	hit("malloc");
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	hit("calloc");
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	hit("realloc");
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		hit("free");
	__libc_free(p);
}

int posix_memalign(void **p, size_t align, size_t n)
{
	void *q;

	hit("posix_memalign");
	if (align < sizeof(void *) || (align & (align - 1)))
		return 22;
	q = __libc_memalign(align, n);
	if (!q && n)
		return 12;
	*p = q;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	hit("aligned_alloc");
	return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
	hit("memalign");
	return __libc_memalign(align, n);
}

#endif

int pthread_mutex_lock(pthread_mutex_t *m)
{
	NEXT(int, pthread_mutex_lock, pthread_mutex_t *);
	hit("pthread_mutex_lock");
	return next_pthread_mutex_lock(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	NEXT(int, pthread_mutex_trylock, pthread_mutex_t *);
	hit("pthread_mutex_trylock");
	return next_pthread_mutex_trylock(m);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	NEXT(int, pthread_cond_wait, pthread_cond_t *, pthread_mutex_t *);
	hit("pthread_cond_wait");
	return next_pthread_cond_wait(c, m);
}

int sem_wait(sem_t *s)
{
	NEXT(int, sem_wait, sem_t *);
	hit("sem_wait");
	return next_sem_wait(s);
}

int nanosleep(const struct timespec *a, struct timespec *b)
{
	NEXT(int, nanosleep, const struct timespec *, struct timespec *);
	hit("nanosleep");
	return next_nanosleep(a, b);
}

int clock_nanosleep(clockid_t c, int f, const struct timespec *a, struct timespec *b)
{
	NEXT(int, clock_nanosleep, clockid_t, int, const struct timespec *, struct timespec *);
	hit("clock_nanosleep");
	return next_clock_nanosleep(c, f, a, b);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	NEXT(ssize_t, write, int, const void *, size_t);
	hit("write");
	return next_write(fd, buf, n);
}

ssize_t read(int fd, void *buf, size_t n)
{
	NEXT(ssize_t, read, int, void *, size_t);
	hit("read");
	return next_read(fd, buf, n);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	NEXT(int, open, const char *, int, ...);
	va_start(ap, flags);
	mode = (mode_t)va_arg(ap, int);
	va_end(ap);
	hit("open");
	return next_open(path, flags, mode);
}

int fsync(int fd)
{
	NEXT(int, fsync, int);
	hit("fsync");
	return next_fsync(fd);
}

int fdatasync(int fd)
{
	NEXT(int, fdatasync, int);
	hit("fdatasync");
	return next_fdatasync(fd);
}

int poll(struct pollfd *p, nfds_t n, int t)
{
	NEXT(int, poll, struct pollfd *, nfds_t, int);
	hit("poll");
	return next_poll(p, n, t);
}

__attribute__((constructor)) static void start(void)
{
	const char *s = getenv("RASBEAT_RTCHECK_SELFTEST");

	selftest = s && *s == '1';
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("RASBEAT_RTCHECK_OUT");
	const char *f = atomic_load(&first);
	FILE *out;

	if (!path || !(out = fopen(path, "w")))
		return;
	fprintf(out, "cycles %ld violations %ld first %s\n", atomic_load(&cycles),
		atomic_load(&violations), f ? f : "-");
	fclose(out);
}
