// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel AIO on the endpoint files, the only way either gadget API lets a
 * program keep several requests queued on one endpoint: each io_submit()ed
 * read or write is one usb_request (gadgetfs's ep_aio(), FunctionFS's
 * ffs_epfile_io()), and the controller moves data only into requests that
 * are queued.
 *
 * Through the system calls themselves, not libaio: four calls and a
 * struct are all it is, and a library the guest and every developer's
 * machine would have to install buys nothing for them.  Every request
 * signals the context's eventfd as it completes (IOCB_FLAG_RESFD), so the
 * bulk thread can wait for completions and its other wake-ups in one
 * poll.  On FunctionFS that flag matters twice: a request without it
 * signals the eventfd FunctionFS has for ep0's events instead
 * (ffs_user_copy_worker()), which main reads as "an event came".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "firmware.h"

int toaster_aio_open(struct toaster_aio *a, unsigned int nr)
{
	a->ctx = 0;
	a->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (a->efd < 0) {
		toaster_err("eventfd: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_io_setup, nr, &a->ctx) < 0) {
		toaster_err("io_setup: %s", strerror(errno));
		close(a->efd);
		a->efd = -1;
		return -1;
	}
	return 0;
}

/*
 * io_destroy() cancels what is still queued and waits for it: call it
 * after reaping what can be reaped, so that nothing is left to wait for.
 */
void toaster_aio_close(struct toaster_aio *a)
{
	if (a->ctx && syscall(SYS_io_destroy, a->ctx) < 0)
		toaster_err("io_destroy: %s", strerror(errno));
	a->ctx = 0;
	if (a->efd >= 0)
		close(a->efd);
	a->efd = -1;
}

void toaster_aio_prep(const struct toaster_aio *a, struct iocb *cb, int fd,
		      bool write, void *buf, size_t len, uint64_t data)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_data = data;
	cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb->aio_fildes = (uint32_t)fd;
	cb->aio_buf = (uint64_t)(uintptr_t)buf;
	cb->aio_nbytes = len;
	cb->aio_flags = IOCB_FLAG_RESFD;
	cb->aio_resfd = (uint32_t)a->efd;
}

int toaster_aio_submit(const struct toaster_aio *a, struct iocb **cbs, long n)
{
	long done = 0, rc;

	while (done < n) {
		rc = syscall(SYS_io_submit, a->ctx, n - done, cbs + done);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return done ? (int)done : -errno;
		}
		done += rc;
		/* a short count: the next one fails, and says why */
		if (!rc)
			break;
	}
	return (int)done;
}

/*
 * The request's event comes either way, through the ring (the kernel has
 * delivered io_cancel()'s result there since 4.19): its own if it was
 * done, else one with what it moved or -ECONNRESET.  So the error, which
 * only says which of those it will be, is no news.
 */
void toaster_aio_cancel(const struct toaster_aio *a, struct iocb *cb)
{
	syscall(SYS_io_cancel, a->ctx, cb, NULL);
}

int toaster_aio_reap(struct toaster_aio *a, struct io_event *ev, long max)
{
	struct timespec zero = { 0, 0 };
	uint64_t count;
	long rc;

	/* first, so that a completion after it signals again */
	if (read(a->efd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		toaster_err("eventfd: %s", strerror(errno));
	do {
		rc = syscall(SYS_io_getevents, a->ctx, 0, max, ev, &zero);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		toaster_err("io_getevents: %s", strerror(errno));
		return -1;
	}
	return (int)rc;
}
