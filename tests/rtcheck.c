/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Interposed allocator and lock functions for the test binary: while a
 * thread has armed the check, every call counts as a real-time violation.
 * They forward to glibc's own entry points, so nothing else changes.
 *
 * Under AddressSanitizer (make check-asan) the allocator is ASan's: the
 * test binary must not define malloc & co. there, so allocations are
 * counted with ASan's malloc and free hooks instead (the same calls:
 * malloc, calloc, realloc, free of non-NULL, the aligned ones).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "rtcheck.h"

#if defined(__SANITIZE_ADDRESS__)
#define RTCHECK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RTCHECK_ASAN 1
#endif
#endif

static _Thread_local int armed;
static atomic_int violations;

void rtcheck_arm(void)
{
	armed = 1;
}

int rtcheck_disarm(void)
{
	armed = 0;
	return atomic_exchange(&violations, 0);
}

static void hit(void)
{
	if (armed)
		atomic_fetch_add(&violations, 1);
}

#ifdef RTCHECK_ASAN
/* sanitizer/allocator_interface.h, which GCC 12 does not ship. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

static void malloc_hook(const volatile void *p, size_t n)
{
	(void)p;
	(void)n;
	hit();
}

static void free_hook(const volatile void *p)
{
	(void)p;
	hit();
}

__attribute__((constructor)) static void rtcheck_install(void)
{
	__sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook);
}
#else
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

void *malloc(size_t n)
{
	hit();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	hit();
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	hit();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		hit();
	__libc_free(p);
}

/* Aligned allocation too: C++ libraries (Rubber Band) allocate their
 * buffers with posix_memalign, which does not go through malloc. */
int posix_memalign(void **p, size_t align, size_t n)
{
	void *q;

	hit();
	if (align < sizeof(void *) || (align & (align - 1)))
		return 22;	/* EINVAL */
	q = __libc_memalign(align, n);
	if (!q && n)
		return 12;	/* ENOMEM */
	*p = q;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	hit();
	return __libc_memalign(align, n);
}

void *memalign(size_t align, size_t n)
{
	hit();
	return __libc_memalign(align, n);
}

#endif /* RTCHECK_ASAN */

int pthread_mutex_lock(pthread_mutex_t *m)
{
	static int (*next)(pthread_mutex_t *);

	hit();
	if (!next)
		next = (int (*)(pthread_mutex_t *))dlsym(RTLD_NEXT, "pthread_mutex_lock");
	return next(m);
}
