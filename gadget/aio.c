// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel AIO on one endpoint file, for the queued bulk workers
 * (bulk_queued.c): requests go in with io_submit(), each tells an eventfd
 * when it is done (IOCB_FLAG_RESFD), and their results are handed out in
 * the order they went in, which is the order the device controller fills
 * them.  The system calls are made directly: libaio would be one more
 * library in the guest for five of them.
 *
 * Only for FunctionFS: it completes a request from a workqueue, so taking
 * one back with io_cancel() is safe there; on gadgetfs it deadlocks (see
 * bulk.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "toaster_clock.h"
#include "firmware.h"

/* How long a drain waits for what it took back to come home. */
#define TOASTER_AIO_DRAIN_MS	1000

static struct toaster_aio_req *toaster_aio_at(struct toaster_aio *q,
					      unsigned int i)
{
	return &q->req[(q->head + i) % TOASTER_BULK_QUEUE];
}

int toaster_aio_init(struct toaster_aio *q, int fd)
{
	memset(q, 0, sizeof(*q));
	q->fd = fd;
	q->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->done_fd < 0)
		return -errno;
	if (syscall(SYS_io_setup, TOASTER_BULK_QUEUE, &q->ctx) < 0) {
		int err = errno;

		close(q->done_fd);
		q->done_fd = -1;
		return -err;
	}
	return 0;
}

int toaster_aio_submit(struct toaster_aio *q, bool write, void *buf,
		       size_t len)
{
	struct toaster_aio_req *r = toaster_aio_at(q, q->queued);
	struct iocb *cb = &r->cb;

	if (q->queued == TOASTER_BULK_QUEUE)
		return -EAGAIN;
	memset(cb, 0, sizeof(*cb));
	cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb->aio_fildes = (uint32_t)q->fd;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = len;
	cb->aio_flags = IOCB_FLAG_RESFD;
	cb->aio_resfd = (uint32_t)q->done_fd;
	cb->aio_data = (uintptr_t)r;
	r->done = false;
	/*
	 * FunctionFS waits here, interruptibly, for the endpoint to be
	 * enabled: a signal can end it with EINTR, nothing queued.
	 */
	if (syscall(SYS_io_submit, q->ctx, 1L, &cb) != 1)
		return -errno;
	q->queued++;
	return 0;
}

/* Marks what completed; never blocks. */
static void toaster_aio_collect(struct toaster_aio *q)
{
	struct io_event ev[TOASTER_BULK_QUEUE];
	struct timespec zero = { 0, 0 };
	uint64_t count;
	long i, n;

	if (read(q->done_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		toaster_err("aio eventfd: %s", strerror(errno));
	n = syscall(SYS_io_getevents, q->ctx, 0L, (long)TOASTER_BULK_QUEUE, ev,
		    &zero);
	for (i = 0; i < n; i++) {
		struct toaster_aio_req *r = (void *)(uintptr_t)ev[i].data;

		r->res = (long)ev[i].res;
		r->done = true;
	}
}

int toaster_aio_wait(struct toaster_aio *q, int also_fd)
{
	struct pollfd p[2] = {
		{ .fd = q->done_fd, .events = POLLIN },
		{ .fd = also_fd, .events = POLLIN },
	};

	if (q->queued && toaster_aio_at(q, 0)->done)
		return 0;
	if (poll(p, also_fd >= 0 ? 2 : 1, -1) < 0)
		return -errno;
	toaster_aio_collect(q);
	return 0;
}

bool toaster_aio_next(struct toaster_aio *q, struct toaster_aio_done *d, int *err)
{
	struct toaster_aio_req *r;

	while (q->queued && (r = toaster_aio_at(q, 0))->done) {
		q->head = (q->head + 1) % TOASTER_BULK_QUEUE;
		q->queued--;
		if (r->res >= 0) {
			d->buf = (void *)(uintptr_t)r->cb.aio_buf;
			d->len = (size_t)r->res;
			d->asked = r->cb.aio_nbytes;
			return true;
		}
		/* taken back by a drain: it moved nothing, and that is no error */
		if (r->res != -ECONNRESET && !*err)
			*err = (int)-r->res;
	}
	return false;
}

/*
 * Takes back everything queued and waits until all of it has completed,
 * each request either with what the controller had given it by then or
 * cancelled (-ECONNRESET); toaster_aio_next() hands the results out.
 * Signals that land meanwhile (a sync pokes again and again) change
 * nothing.  Returns false if something never came home.
 */
bool toaster_aio_drain(struct toaster_aio *q)
{
	int64_t end = toaster_now_ns() + TOASTER_AIO_DRAIN_MS * TOASTER_NS_PER_MS;
	struct io_event ignored;
	unsigned int i, pending;

	for (i = 0; i < q->queued; i++) {
		struct toaster_aio_req *r = toaster_aio_at(q, i);

		/* one completed already: EINVAL; either way it will report */
		if (!r->done)
			syscall(SYS_io_cancel, q->ctx, &r->cb, &ignored);
	}
	for (;;) {
		struct pollfd p = { .fd = q->done_fd, .events = POLLIN };
		int64_t left = end - toaster_now_ns();

		toaster_aio_collect(q);
		for (i = 0, pending = 0; i < q->queued; i++)
			pending += !toaster_aio_at(q, i)->done;
		if (!pending)
			return true;
		if (left <= 0) {
			toaster_err("aio: %u request(s) on an endpoint never completed",
				    pending);
			return false;
		}
		poll(&p, 1, (int)(left / TOASTER_NS_PER_MS) + 1);
	}
}

void toaster_aio_exit(struct toaster_aio *q)
{
	if (q->done_fd < 0)
		return;
	toaster_aio_drain(q);
	/* waits for anything still out: its buffer is ours until then */
	syscall(SYS_io_destroy, q->ctx);
	close(q->done_fd);
	q->done_fd = -1;
}
