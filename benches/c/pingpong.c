/*
 * pingpong.c: the ping-pong workload of infra-lab's event-loop comparison,
 * written against the system libevent 2.1 (libevent-dev).
 *
 * The benches runner compiles it when libevent is found:
 *     cc -O2 -o libevent-pingpong pingpong.c $(pkg-config --cflags --libs libevent)
 * and runs:
 *     libevent-pingpong <pipes> <active> <writes> <loops>
 * It prints "version <libevent version>", "method <backend>", one
 * "loop_us <microseconds>" line per timed loop, and "callbacks <count>".
 *
 * The workload has the shape of libevent's test/bench.c: <pipes> socket
 * pairs, <active> of them seeded with a byte, and every read callback
 * forwards what it read to the next pair until <writes> forwards happened.
 * One loop is timed from the moment the seeds are written until every byte
 * written has been read.
 *
 * It follows the same logic as the Rust implementations (benches/src/suites/
 * event_loop/pingpong/), so that the three measure the loops and not the
 * callbacks: one read of up to 64 bytes per callback, forwarding exactly the
 * bytes read with one write. The events are persistent and level-triggered
 * (EV_READ | EV_PERSIST, libevent's ordinary mode), so a byte left behind
 * simply fires the callback again. Events are added once, not re-added on
 * every loop as bench.c does, because the Rust sides register once too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <event2/event.h>

#define READ_BUF 64     /* bytes asked for per read, as on the Rust side */
#define WARMUP_LOOPS 2  /* loops run before the timed ones, times dropped */
#define STALL_SECS 10   /* per loop: a run that takes longer has lost an event */

/* The workload's parameters and the per-loop counters of bench.c. */
static int pipes, active, writes;
static int *fds;                     /* pair i: fds[2i] is read, fds[2i+1] written */
static long long bytes_read;         /* bench.c's count */
static long long bytes_written;      /* bench.c's fired, seeds included */
static long long writes_left;        /* bench.c's writes */
static long long callbacks;          /* read callbacks run, all loops */

static void die(const char *what)
{
	fprintf(stderr, "libevent-pingpong: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The read callback: read what arrived on pair i, forward it to the next. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	long i = (long)arg;
	unsigned char buf[READ_BUF];
	ssize_t n, w;
	long long forward;

	(void)what;
	callbacks++;
	n = read(fd, buf, sizeof buf);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0)
		die("read");
	bytes_read += n;
	forward = n < writes_left ? n : writes_left;
	if (forward > 0) {
		long next = i + 1 == pipes ? 0 : i + 1;
		writes_left -= forward;
		w = write(fds[2 * next + 1], buf, (size_t)forward);
		if (w < 0)
			die("forward write");
		bytes_written += w;
	}
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	struct event_base *base;
	int loops, i, loop, space;

	if (argc != 5) {
		fprintf(stderr, "usage: %s <pipes> <active> <writes> <loops>\n", argv[0]);
		return 2;
	}
	pipes = atoi(argv[1]);
	active = atoi(argv[2]);
	writes = atoi(argv[3]);
	loops = atoi(argv[4]);
	if (pipes <= 0 || active <= 0 || active > pipes || writes < 0 || loops <= 0) {
		fprintf(stderr, "libevent-pingpong: need 0 < active <= pipes, writes >= 0, loops > 0\n");
		return 2;
	}

	base = event_base_new();
	if (base == NULL)
		die("event_base_new");
	fds = calloc((size_t)pipes * 2, sizeof *fds);
	if (fds == NULL)
		die("calloc");
	for (i = 0; i < pipes; i++) {
		struct event *ev;
		if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, &fds[2 * i]) < 0)
			die("socketpair");
		evutil_make_socket_nonblocking(fds[2 * i]);
		evutil_make_socket_nonblocking(fds[2 * i + 1]);
		ev = event_new(base, fds[2 * i], EV_READ | EV_PERSIST, on_readable, (void *)(long)i);
		if (ev == NULL || event_add(ev, NULL) < 0)
			die("event_add");
	}
	printf("version %s\nmethod %s\n", event_get_version(), event_base_get_method(base));

	/* One watchdog for the whole run (not one per loop), so that the
	 * timed loops make no syscall the Rust sides do not make. */
	alarm(STALL_SECS * (unsigned)(WARMUP_LOOPS + loops));
	space = pipes / active;
	for (loop = 0; loop < WARMUP_LOOPS + loops; loop++) {
		double started;
		bytes_written = 0;
		for (i = 0; i < active; i++) {
			if (write(fds[2 * (i * space) + 1], "e", 1) != 1)
				die("seed write");
			bytes_written++;
		}
		bytes_read = 0;
		writes_left = writes;
		started = now_us();
		while (bytes_read != bytes_written) {
			if (event_base_loop(base, EVLOOP_ONCE) < 0)
				die("event_base_loop");
		}
		if (loop >= WARMUP_LOOPS)
			printf("loop_us %.3f\n", now_us() - started);
	}
	alarm(0);
	printf("callbacks %lld\n", callbacks);
	return 0;
}
